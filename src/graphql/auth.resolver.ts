import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { AuthService } from '../auth/auth.service';
import { AuthPayload, Me } from './auth.type';
import { principalOf, type GatewayContext } from './context';

/** Sessions: log in, rotate the refresh token, log out, who am I, and (ADMIN) clear a login throttle. */
@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayload, { description: 'Exchanges a username and password for an access and a refresh token.' })
  login(
    @Arg('username') username: string,
    @Arg('password') password: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<AuthPayload> {
    return this.auth.login(username, password, ctx.address);
  }

  @Mutation(() => AuthPayload, {
    description: 'Rotates a refresh token: the one given is spent and a new pair returned.',
  })
  refresh(@Arg('refreshToken') refreshToken: string): Promise<AuthPayload> {
    return this.auth.refresh(refreshToken);
  }

  @Mutation(() => Boolean, { description: "Revokes the refresh token's family. Access tokens expire on their own." })
  logout(@Arg('refreshToken') refreshToken: string): Promise<boolean> {
    return this.auth.logout(refreshToken);
  }

  @Mutation(() => Boolean, {
    description:
      "ADMIN only: clears a user's login throttling from every address (failures per username and address, and the " +
      'per-username slow-down); per-address limits stay. Audited in the log.',
  })
  unlockLogin(@Arg('username') username: string, @Ctx() ctx: GatewayContext): boolean {
    return this.auth.unlockLogin(username, principalOf(ctx));
  }

  @Query(() => Me, { description: 'The authenticated caller.' })
  me(@Ctx() ctx: GatewayContext): Me {
    const { kind, name, role } = principalOf(ctx);
    return { kind, name, role };
  }
}
