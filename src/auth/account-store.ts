/**
 * Where accounts are kept: the users, API keys and refresh tokens that authentication reads and writes, declared
 * here by the module that needs them and implemented by the embedded store (`src/store/`). Times are epoch
 * milliseconds throughout.
 */
import type { Role } from './role';

/** A user as stored. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  /** Self-describing `scrypt$N$r$p$salt$hash` string; never the password. */
  readonly passwordHash: string;
  readonly role: Role;
  readonly createdAt: number;
  /** Who created the user (`user:<name>` or `apiKey:<name>`), or `null` for the first administrator. */
  readonly createdBy: string | null;
}

/** What {@link UserStore.create} needs; the id is chosen by the store. */
export type NewUser = Omit<UserRecord, 'id'>;

/** `duplicate`: the username is taken, compared case-insensitively. */
export type CreateUserResult =
  { readonly status: 'created'; readonly user: UserRecord } | { readonly status: 'duplicate' };

/** An API key as stored, without its hash (nothing outside the store needs it). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly createdBy: string | null;
  /**
   * The user who answers for the key, and with whom it is revoked: its creator, or for a key created by a key, that
   * key's owner. `null` when no user can be named (keys from before owners were recorded whose creator is unknown).
   */
  readonly ownerUserId: string | null;
  /** From this instant on the key is refused, as if revoked; `null`: no expiry. */
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** What {@link ApiKeyStore.create} needs. `keyHash` is the SHA-256 of the key, hex; the key itself is never stored. */
export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly keyHash: string;
  readonly createdAt: number;
  readonly createdBy: string | null;
  readonly ownerUserId: string | null;
  readonly expiresAt: number | null;
}

/** A refresh token as stored, without its hash. */
export interface RefreshTokenRecord {
  readonly id: string;
  /** Every token obtained by rotating from one login shares the login's family. */
  readonly familyId: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Set when the token was exchanged for a new one; presenting it again is a replay. */
  readonly usedAt: number | null;
  readonly revokedAt: number | null;
}

/** What {@link RefreshTokenStore.insert} needs. `tokenHash` is the SHA-256 of the token, hex. */
export interface NewRefreshToken {
  readonly familyId: string;
  readonly userId: string;
  readonly tokenHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Users, with usernames unique and looked up case-insensitively. */
export interface UserStore {
  /** Inserts a user with a fresh id. A taken username is a result, not an exception. */
  create(user: NewUser): CreateUserResult;
  findByUsername(username: string): UserRecord | undefined;
  findById(id: string): UserRecord | undefined;
  /** Deletes the user and their refresh tokens. `false` when there was no such user. */
  delete(username: string): boolean;
  /** Every user, by username. */
  list(): UserRecord[];
  count(): number;
  countByRole(role: Role): number;
}

/** API keys, found by the hash of the key. */
export interface ApiKeyStore {
  /** Inserts a key with a fresh id. */
  create(key: NewApiKey): ApiKeyRecord;
  /** The key with this hash if it is unrevoked and not expired at `now`. */
  findActiveByHash(keyHash: string, now: number): ApiKeyRecord | undefined;
  findById(id: string): ApiKeyRecord | undefined;
  /** Revokes the key; `false` when there is no such key or it was already revoked. */
  revoke(id: string, now: number): boolean;
  /** Revokes every not-yet-revoked key owned by the user; returns how many. */
  revokeOwnedBy(userId: string, now: number): number;
  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyRecord[];
  /** Records a use (the store may skip writes for a key used moments ago); `true` when written. */
  touch(id: string, now: number): boolean;
}

/** Refresh tokens, found by the hash of the token. Each method is atomic on its own. */
export interface RefreshTokenStore {
  /** Stores a new token (by hash) with a fresh id. */
  insert(token: NewRefreshToken): RefreshTokenRecord;
  findByHash(tokenHash: string): RefreshTokenRecord | undefined;
  /**
   * Marks the token used if, and only if, it is still unused and unrevoked; `true` for the one caller that did. The
   * guard against two concurrent refreshes with one token.
   */
  markUsed(id: string, now: number): boolean;
  /** Revokes every not-yet-revoked token of a family; returns how many. */
  revokeFamily(familyId: string, now: number): number;
  /** Deletes tokens whose expiry has passed; returns how many. */
  deleteExpired(now: number): number;
}

/** The accounts of the gateway, and a way to change several of them at once. */
export interface AccountStore {
  readonly users: UserStore;
  readonly apiKeys: ApiKeyStore;
  readonly refreshTokens: RefreshTokenStore;
  /**
   * Runs `fn` as one write transaction: a throw rolls everything back, and no other writer interleaves. `fn` must be
   * synchronous.
   */
  transaction<T>(fn: () => T): T;
}
