import type { Logger } from 'pino';
import { passwordWeakness } from '../config/password-policy';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { AccountStore } from './account-store';
import { actorLabel, API_KEY_NAME_PATTERN, USERNAME_PATTERN } from './account-rules';
import { generateApiKey } from './api-key';
import { type ApiKeyView, toApiKeyView, toUserView, type UserView } from './auth-views';
import { hashOpaqueToken } from './opaque-token';
import type { PasswordHasher } from './password-hasher';
import type { Principal } from './principal';
import { isRole, Role, roleAtLeast } from './role';

/** The longest lifetime `createApiKey` accepts, in days (about ten years). */
export const MAX_API_KEY_DAYS = 3650;

const DAY_MS = 86_400_000;

export interface AccountAdminDeps {
  /** Users and API keys (the embedded store in production). */
  readonly store: AccountStore;
  readonly hasher: PasswordHasher;
  readonly clock: () => number;
  readonly logger?: Logger | undefined;
}

/**
 * Users and API keys: creation, deletion, revocation, listing. Every change requires an ADMIN actor, checked here
 * as well as by the GraphQL layer, so that a missing rule upstream cannot open these operations to anyone.
 *
 * Refusals that are about the request rather than the caller (deleting yourself, deleting the last administrator)
 * are `BAD_USER_INPUT`, not `FORBIDDEN`: the caller has the right role, and FORBIDDEN would tell a client to look
 * for more permissions that would not help.
 */
export class AccountAdmin {
  constructor(private readonly deps: AccountAdminDeps) {}

  /**
   * Creates a user. The username is unique case-insensitively.
   * @throws GatewayError FORBIDDEN (actor not ADMIN), BAD_USER_INPUT (username or role), WEAK_PASSWORD,
   * ALREADY_EXISTS.
   */
  async createUser(username: string, password: string, role: Role, actor: Principal): Promise<UserView> {
    requireAdmin(actor);
    checkUsername(username);
    if (!isRole(role)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Unknown role.');
    checkPassword(password, username);
    const { store, hasher, clock } = this.deps;
    // Checked before hashing to save the work; the insert below still catches a concurrent duplicate.
    if (store.users.findByUsername(username) !== undefined) throw duplicate(username);
    const passwordHash = await hasher.hash(password);
    const result = store.users.create({
      username,
      passwordHash,
      role,
      createdAt: clock(),
      createdBy: actorLabel(actor),
    });
    if (result.status === 'duplicate') throw duplicate(username);
    this.deps.logger?.info({ event: 'user.created', username, role, by: actorLabel(actor) }, 'user created');
    return toUserView(result.user);
  }

  /**
   * Deletes a user; their refresh tokens go with them (ON DELETE CASCADE), their access tokens are refused from the
   * next request on, and every API key they own is revoked in the same transaction: the keys they created, and the
   * keys created with those keys (see `ApiKeyRecord.ownerUserId`). Always `true` when it returns.
   *
   * The last ADMIN *user* cannot be deleted, whatever ADMIN keys exist: keys expire and go with their owner, so a
   * gateway administered only by keys is one expiry away from being unmanageable (the bootstrap admin is created
   * only when there are no users at all). Keys therefore never count as the remaining administrator, not even ones
   * this deletion would not revoke.
   * @throws GatewayError FORBIDDEN (actor not ADMIN), NOT_FOUND, BAD_USER_INPUT (yourself, or the last ADMIN user).
   */
  deleteUser(username: string, actor: Principal): boolean {
    requireAdmin(actor);
    const { store, clock } = this.deps;
    // One transaction, so that two admins deleting each other concurrently cannot leave zero administrators, and so
    // that the user and their keys go together or not at all.
    const revokedKeys = store.transaction(() => {
      const user = store.users.findByUsername(username);
      if (user === undefined) throw new GatewayError(ErrorCode.NOT_FOUND, `No user named ${JSON.stringify(username)}.`);
      if (actor.kind === 'user' && actor.id === user.id) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'You cannot delete your own account.', { reason: 'self' });
      }
      if (user.role === Role.ADMIN && store.users.countByRole(Role.ADMIN) <= 1) {
        throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'The last administrator cannot be deleted.', {
          reason: 'lastAdmin',
        });
      }
      const revoked = store.apiKeys.revokeOwnedBy(user.id, clock());
      store.users.delete(user.username);
      return revoked;
    });
    this.deps.logger?.info({ event: 'user.deleted', username, revokedKeys, by: actorLabel(actor) }, 'user deleted');
    return true;
  }

  listUsers(): UserView[] {
    return this.deps.store.users.list().map(toUserView);
  }

  /**
   * Creates an API key. `key` is returned this once and never again: only its hash is stored. It expires
   * `expiresInDays` days from now (whole days, 1 to {@link MAX_API_KEY_DAYS}), or never when `null`. Its owner is
   * the actor, or, when the actor is a key, that key's owner: deleting the owner revokes it. A key created by a key
   * expires no later than that key (the expiry is shortened to it).
   * @throws GatewayError FORBIDDEN (actor not ADMIN), BAD_USER_INPUT (name, role or expiry), UNAUTHENTICATED (the
   * actor was deleted, revoked or expired since the request was authenticated).
   */
  createApiKey(
    name: string,
    role: Role,
    actor: Principal,
    expiresInDays: number | null = null,
  ): { key: string; apiKey: ApiKeyView } {
    requireAdmin(actor);
    if (!API_KEY_NAME_PATTERN.test(name) || name.trim() !== name) {
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        'API key names are 1 to 64 letters, digits, spaces, ".", "_" or "-", without leading or trailing spaces.',
      );
    }
    if (!isRole(role)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Unknown role.');
    if (
      expiresInDays !== null &&
      !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= MAX_API_KEY_DAYS)
    ) {
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        `expiresInDays must be a whole number of days from 1 to ${MAX_API_KEY_DAYS}, or omitted for no expiry.`,
      );
    }
    const { store, clock } = this.deps;
    const now = clock();
    const key = generateApiKey();
    const requested = expiresInDays === null ? null : now + expiresInDays * DAY_MS;
    // The actor was authenticated at the start of the request; it is read again in the transaction that inserts, so
    // that a key cannot be created for an owner deleted (and their keys revoked) in between.
    const record = store.transaction(() => {
      const { ownerUserId, notAfter } = this.creatorOf(actor, now);
      return store.apiKeys.create({
        name,
        role,
        keyHash: hashOpaqueToken(key),
        createdAt: now,
        createdBy: actorLabel(actor),
        ownerUserId,
        expiresAt: notAfter === null || (requested !== null && requested < notAfter) ? requested : notAfter,
      });
    });
    const by = actorLabel(actor);
    this.deps.logger?.info({ event: 'apiKey.created', apiKeyId: record.id, name, role, by }, 'API key created');
    return { key, apiKey: toApiKeyView(record) };
  }

  /**
   * Revokes an API key at once (keys are looked up on every request). `false` when it was already revoked.
   * @throws GatewayError FORBIDDEN (actor not ADMIN), NOT_FOUND.
   */
  revokeApiKey(id: string, actor: Principal): boolean {
    requireAdmin(actor);
    const { store, clock } = this.deps;
    if (store.apiKeys.findById(id) === undefined) throw new GatewayError(ErrorCode.NOT_FOUND, 'No such API key.');
    const revoked = store.apiKeys.revoke(id, clock());
    if (revoked)
      this.deps.logger?.info({ event: 'apiKey.revoked', apiKeyId: id, by: actorLabel(actor) }, 'API key revoked');
    return revoked;
  }

  /**
   * Who owns a key `actor` creates, and the latest it may expire: a user owns their keys; a key's keys belong to its
   * owner and expire no later than it does, so that neither deletion nor expiry can be escaped by creating a key.
   * @throws GatewayError UNAUTHENTICATED when the actor no longer exists, or is a revoked or expired key.
   */
  private creatorOf(actor: Principal, now: number): { ownerUserId: string | null; notAfter: number | null } {
    const { store } = this.deps;
    if (actor.kind === 'user') {
      if (store.users.findById(actor.id) === undefined) throw gone();
      return { ownerUserId: actor.id, notAfter: null };
    }
    const parent = store.apiKeys.findById(actor.id);
    if (parent === undefined || parent.revokedAt !== null || (parent.expiresAt !== null && parent.expiresAt <= now)) {
      throw gone();
    }
    if (parent.ownerUserId !== null && store.users.findById(parent.ownerUserId) === undefined) throw gone();
    return { ownerUserId: parent.ownerUserId, notAfter: parent.expiresAt };
  }

  listApiKeys(): ApiKeyView[] {
    return this.deps.store.apiKeys.list().map(toApiKeyView);
  }

  /**
   * First start: creates the ADMIN `username` when there are no users at all; otherwise does nothing (even if the
   * password differs: changing it is not this method's job). Safe to race with another process.
   * @throws GatewayError BAD_USER_INPUT for an invalid username, WEAK_PASSWORD for a weak password.
   */
  async ensureAdmin(username: string, password: string): Promise<'created' | 'exists'> {
    const { store, hasher, clock } = this.deps;
    if (store.users.count() > 0) return 'exists';
    checkUsername(username);
    checkPassword(password, username);
    const passwordHash = await hasher.hash(password);
    const result = store.transaction(() => {
      if (store.users.count() > 0) return 'exists' as const;
      const created = store.users.create({
        username,
        passwordHash,
        role: Role.ADMIN,
        createdAt: clock(),
        createdBy: null,
      });
      return created.status === 'created' ? ('created' as const) : ('exists' as const);
    });
    if (result === 'created')
      this.deps.logger?.info({ event: 'admin.created', username }, 'first administrator created');
    return result;
  }
}

function requireAdmin(actor: Principal): void {
  if (!roleAtLeast(actor.role, Role.ADMIN)) {
    throw new GatewayError(ErrorCode.FORBIDDEN, 'Only administrators may manage users and API keys.');
  }
}

function checkUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Usernames are 1 to 64 letters, digits, ".", "_" or "-".');
  }
}

function checkPassword(password: string, username: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness !== undefined) {
    throw new GatewayError(ErrorCode.WEAK_PASSWORD, `The password ${weakness}.`, { reason: weakness });
  }
}

function gone(): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, 'Your credentials are no longer valid.');
}

function duplicate(username: string): GatewayError {
  return new GatewayError(ErrorCode.ALREADY_EXISTS, `A user named ${JSON.stringify(username)} already exists.`);
}
