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
   * Deletes a user; their refresh tokens go with them (ON DELETE CASCADE) and their access tokens are refused from
   * the next request on. Always `true` when it returns.
   * @throws GatewayError FORBIDDEN (actor not ADMIN), NOT_FOUND, BAD_USER_INPUT (yourself, or the last ADMIN: the
   * gateway would be left without anyone able to manage it).
   */
  deleteUser(username: string, actor: Principal): boolean {
    requireAdmin(actor);
    const { store } = this.deps;
    // One transaction, so that two admins deleting each other concurrently cannot leave zero administrators.
    store.transaction(() => {
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
      store.users.delete(user.username);
    });
    this.deps.logger?.info({ event: 'user.deleted', username, by: actorLabel(actor) }, 'user deleted');
    return true;
  }

  listUsers(): UserView[] {
    return this.deps.store.users.list().map(toUserView);
  }

  /**
   * Creates an API key. `key` is returned this once and never again: only its hash is stored.
   * @throws GatewayError FORBIDDEN (actor not ADMIN), BAD_USER_INPUT (name or role).
   */
  createApiKey(name: string, role: Role, actor: Principal): { key: string; apiKey: ApiKeyView } {
    requireAdmin(actor);
    if (!API_KEY_NAME_PATTERN.test(name) || name.trim() !== name) {
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        'API key names are 1 to 64 letters, digits, spaces, ".", "_" or "-", without leading or trailing spaces.',
      );
    }
    if (!isRole(role)) throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'Unknown role.');
    const key = generateApiKey();
    const record = this.deps.store.apiKeys.create({
      name,
      role,
      keyHash: hashOpaqueToken(key),
      createdAt: this.deps.clock(),
      createdBy: actorLabel(actor),
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

function duplicate(username: string): GatewayError {
  return new GatewayError(ErrorCode.ALREADY_EXISTS, `A user named ${JSON.stringify(username)} already exists.`);
}
