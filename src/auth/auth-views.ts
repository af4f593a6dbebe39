import type { ApiKeyRecord, UserRecord } from './account-store';
import type { Role } from './role';

/** What a successful login or refresh returns. */
export interface AuthTokens {
  /** Stateless JWT for `Authorization: Bearer`; valid until it expires, even after logout. */
  readonly accessToken: string;
  /** Opaque, single-use: exchange it for a new pair before it expires. */
  readonly refreshToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly tokenType: 'Bearer';
}

/** A user as clients may see it: no password hash. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly createdBy: string | null;
}

/** An API key as clients may see it: never the key, never its hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly createdBy: string | null;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toUserView(user: UserRecord): UserView {
  const { id, username, role, createdBy } = user;
  return { id, username, role, createdAt: new Date(user.createdAt), createdBy };
}

export function toApiKeyView(key: ApiKeyRecord): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    createdAt: new Date(key.createdAt),
    createdBy: key.createdBy,
    expiresAt: date(key.expiresAt),
    revokedAt: date(key.revokedAt),
    lastUsedAt: date(key.lastUsedAt),
  };
}
