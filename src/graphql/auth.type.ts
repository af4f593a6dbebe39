import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../auth/role';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a principal may do; each role includes the ones before it.',
  valuesConfig: {
    VIEWER: { description: 'Lists models and their metadata.' },
    PREDICTOR: { description: 'Also runs predictions.' },
    ADMIN: { description: 'Also manages models, users and API keys.' },
  },
});

@ObjectType({ description: 'Tokens issued by `login` and `refresh`.' })
export class AuthPayload {
  @Field({ description: 'A JWT to send as `Authorization: Bearer <token>`.' })
  accessToken!: string;

  @Field({
    description: 'Opaque, single use: exchange it with `refresh` for a new pair. Reusing one revokes its family.',
  })
  refreshToken!: string;

  @Field(() => Int, { description: 'Seconds until the access token expires.' })
  expiresIn!: number;

  @Field({ description: 'Always `Bearer`.' })
  tokenType!: string;
}

@ObjectType({ description: 'The caller, as authenticated.' })
export class Me {
  @Field({ description: '`user` or `apiKey`.' }) kind!: string;

  @Field({ description: 'Username or API key name.' }) name!: string;

  @Field(() => Role) role!: Role;
}

@ObjectType({ description: 'A person who can log in.' })
export class User {
  @Field(() => ID) id!: string;

  @Field() username!: string;

  @Field(() => Role) role!: Role;

  @Field() createdAt!: Date;

  @Field(() => String, { nullable: true, description: 'Who created it; null for the bootstrap admin.' })
  createdBy!: string | null;
}

@ObjectType({ description: 'A service credential, sent as `X-API-Key`. The key itself is only shown once.' })
export class ApiKey {
  @Field(() => ID) id!: string;

  @Field() name!: string;

  @Field(() => Role) role!: Role;

  @Field() createdAt!: Date;

  @Field(() => String, { nullable: true }) createdBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the key stops working; null: never.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;

  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
}

@ObjectType({ description: 'A new API key: store `key` now, it cannot be shown again.' })
export class CreatedApiKey {
  @Field() key!: string;

  @Field(() => ApiKey) apiKey!: ApiKey;
}
