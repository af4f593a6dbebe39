import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { AuthService } from '../auth/auth.service';
import { Role } from '../auth/role';
import { ApiKey, CreatedApiKey, User } from './auth.type';
import { principalOf, type GatewayContext } from './context';

/** Administration of people and service credentials (ADMIN only, enforced by the permission layer). */
@Resolver()
export class UserResolver {
  constructor(private readonly auth: AuthService) {}

  @Query(() => [User], { description: 'Every user.' })
  users(): User[] {
    return this.auth.listUsers();
  }

  @Mutation(() => User, { description: 'Creates a user; the password must pass the password policy.' })
  createUser(
    @Arg('username') username: string,
    @Arg('password') password: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: GatewayContext,
  ): Promise<User> {
    return this.auth.createUser(username, password, role, principalOf(ctx));
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a user, revokes their refresh tokens, and revokes in the same step every API key they own: the keys ' +
      'they created and the keys created with those keys. Refused (BAD_USER_INPUT, `reason: lastAdmin`) for the ' +
      'last ADMIN user, whatever ADMIN API keys exist; `reason: self` for your own account.',
  })
  deleteUser(@Arg('username') username: string, @Ctx() ctx: GatewayContext): boolean {
    return this.auth.deleteUser(username, principalOf(ctx));
  }

  @Query(() => [ApiKey], { description: 'Every API key, revoked ones included (never the keys themselves).' })
  apiKeys(): ApiKey[] {
    return this.auth.listApiKeys();
  }

  @Mutation(() => CreatedApiKey, {
    description:
      'Creates an API key for a service; the key is returned only here. It is revoked when the user who created it ' +
      '(or created the key that created it) is deleted.',
  })
  createApiKey(
    @Arg('name') name: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: GatewayContext,
    @Arg('expiresInDays', () => Int, {
      nullable: true,
      description: 'Whole days until the key stops working, 1 to 3650; omitted or null: it never expires.',
    })
    expiresInDays?: number | null,
  ): CreatedApiKey {
    return this.auth.createApiKey(name, role, principalOf(ctx), expiresInDays ?? null);
  }

  @Mutation(() => Boolean, { description: 'Revokes an API key at once.' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): boolean {
    return this.auth.revokeApiKey(id, principalOf(ctx));
  }
}
