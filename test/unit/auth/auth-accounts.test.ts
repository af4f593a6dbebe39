import { Role } from '../../../src/auth/role';
import type { Principal } from '../../../src/auth/principal';
import { ErrorCode } from '../../../src/errors/error-code';
import { ADMIN_PASSWORD, authFixture, type AuthFixture, dumpTables, failure, T0, USER_PASSWORD } from './auth-helpers';

const ADDRESS = '203.0.113.7';

describe('AuthService accounts', () => {
  let fx: AuthFixture;
  beforeEach(async () => {
    fx = await authFixture();
  });

  describe('createUser', () => {
    it('creates a user who can log in, recording who created them, and never returns the hash', async () => {
      const view = await fx.service.createUser('alice', USER_PASSWORD, Role.PREDICTOR, fx.admin);
      expect(view).toEqual({
        id: expect.any(String),
        username: 'alice',
        role: Role.PREDICTOR,
        createdAt: new Date(T0),
        createdBy: 'user:admin',
      });
      await expect(fx.service.login('alice', USER_PASSWORD, ADDRESS)).resolves.toMatchObject({ tokenType: 'Bearer' });
      expect(dumpTables(fx.db)).not.toContain(USER_PASSWORD);
    });

    it('refuses a weak password with WEAK_PASSWORD and the reason', async () => {
      const short = await failure(fx.service.createUser('alice', 'short', Role.VIEWER, fx.admin));
      expect(short.code).toBe(ErrorCode.WEAK_PASSWORD);
      expect(short.details).toEqual({ reason: 'must be at least 12 characters' });
      const withName = await failure(fx.service.createUser('alice', 'my-name-is-ALICE-42', Role.VIEWER, fx.admin));
      expect(withName.details).toEqual({ reason: 'must not contain the username' });
      expect((await failure(fx.service.createUser('alice', 'Password123!', Role.VIEWER, fx.admin))).code).toBe(
        ErrorCode.WEAK_PASSWORD,
      );
    });

    it('refuses a username taken in any case with ALREADY_EXISTS', async () => {
      await fx.service.createUser('alice', USER_PASSWORD, Role.VIEWER, fx.admin);
      const error = await failure(fx.service.createUser('ALICE', USER_PASSWORD, Role.VIEWER, fx.admin));
      expect(error.code).toBe(ErrorCode.ALREADY_EXISTS);
      expect(fx.service.userCount()).toBe(2);
    });

    it('refuses a username outside [A-Za-z0-9._-]{1,64} with BAD_USER_INPUT', async () => {
      for (const username of ['', 'with space', 'x'.repeat(65), 'émile', 'a/b', 'a@b']) {
        expect((await failure(fx.service.createUser(username, USER_PASSWORD, Role.VIEWER, fx.admin))).code).toBe(
          ErrorCode.BAD_USER_INPUT,
        );
      }
      await expect(fx.service.createUser('x'.repeat(64), USER_PASSWORD, Role.VIEWER, fx.admin)).resolves.toMatchObject({
        role: Role.VIEWER,
      });
    });

    it('refuses an unknown role with BAD_USER_INPUT', async () => {
      const error = await failure(fx.service.createUser('alice', USER_PASSWORD, 'ROOT' as Role, fx.admin));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    });
  });

  describe('deleteUser', () => {
    it('deletes a user and revokes their sessions: refresh token refused, access token rejected', async () => {
      await fx.service.createUser('alice', USER_PASSWORD, Role.PREDICTOR, fx.admin);
      const tokens = await fx.service.login('alice', USER_PASSWORD, ADDRESS);
      expect(fx.service.deleteUser('ALICE', fx.admin)).toBe(true);
      expect(fx.service.listUsers().map((u) => u.username)).toEqual(['admin']);
      expect((await failure(fx.service.refresh(tokens.refreshToken))).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(fx.service.authenticate({ authorization: `Bearer ${tokens.accessToken}` }).status).toBe('rejected');
    });

    it('answers NOT_FOUND for an unknown user', async () => {
      expect((await failure(() => fx.service.deleteUser('nobody', fx.admin))).code).toBe(ErrorCode.NOT_FOUND);
    });

    it('refuses deleting yourself with BAD_USER_INPUT', async () => {
      await fx.service.createUser('second', USER_PASSWORD, Role.ADMIN, fx.admin);
      const error = await failure(() => fx.service.deleteUser('admin', fx.admin));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ reason: 'self' });
    });

    it('refuses deleting the last ADMIN with BAD_USER_INPUT, and allows it while another remains', async () => {
      const adminKey: Principal = { kind: 'apiKey', id: 'key-1', name: 'ops', role: Role.ADMIN };
      const error = await failure(() => fx.service.deleteUser('admin', adminKey));
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details).toEqual({ reason: 'lastAdmin' });
      await fx.service.createUser('second', USER_PASSWORD, Role.ADMIN, fx.admin);
      expect(fx.service.deleteUser('admin', adminKey)).toBe(true);
      expect((await failure(() => fx.service.deleteUser('second', adminKey))).details).toEqual({ reason: 'lastAdmin' });
    });
  });

  describe('API keys', () => {
    it('returns the key once, stores only its hash, and never lists it', () => {
      const { key, apiKey } = fx.service.createApiKey('ci pipeline', Role.PREDICTOR, fx.admin);
      expect(key).toMatch(/^igk_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toEqual({
        id: expect.any(String),
        name: 'ci pipeline',
        role: Role.PREDICTOR,
        createdAt: new Date(T0),
        createdBy: 'user:admin',
        revokedAt: null,
        lastUsedAt: null,
      });
      const dump = dumpTables(fx.db);
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(key.slice(4));
      expect(JSON.stringify(fx.service.listApiKeys())).not.toContain(key.slice(4));
      expect(fx.service.listApiKeys()).toEqual([apiKey]);
    });

    it('refuses a bad key name with BAD_USER_INPUT', async () => {
      for (const name of ['', ' padded', 'x'.repeat(65), 'line\nbreak', '<b>']) {
        expect((await failure(() => fx.service.createApiKey(name, Role.VIEWER, fx.admin))).code).toBe(
          ErrorCode.BAD_USER_INPUT,
        );
      }
    });

    it('revokes a key: true once, then false; NOT_FOUND for an unknown id', async () => {
      const { apiKey } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin);
      fx.clock.advance(1000);
      expect(fx.service.revokeApiKey(apiKey.id, fx.admin)).toBe(true);
      expect(fx.service.revokeApiKey(apiKey.id, fx.admin)).toBe(false);
      expect(fx.service.listApiKeys()[0]?.revokedAt).toEqual(new Date(T0 + 1000));
      expect((await failure(() => fx.service.revokeApiKey('no-such-key', fx.admin))).code).toBe(ErrorCode.NOT_FOUND);
    });

    it('records an API key actor as apiKey:<name>', async () => {
      const ops: Principal = { kind: 'apiKey', id: 'key-1', name: 'ops', role: Role.ADMIN };
      expect(fx.service.createApiKey('child', Role.VIEWER, ops).apiKey.createdBy).toBe('apiKey:ops');
      await expect(fx.service.createUser('alice', USER_PASSWORD, Role.VIEWER, ops)).resolves.toMatchObject({
        createdBy: 'apiKey:ops',
      });
    });
  });

  it('refuses every account change to a non-ADMIN actor with FORBIDDEN', async () => {
    const predictor: Principal = { kind: 'user', id: 'u-2', name: 'bob', role: Role.PREDICTOR };
    const { apiKey } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin);
    const attempts: Array<Promise<unknown> | (() => unknown)> = [
      fx.service.createUser('alice', USER_PASSWORD, Role.ADMIN, predictor),
      () => fx.service.deleteUser('admin', predictor),
      () => fx.service.createApiKey('mine', Role.ADMIN, predictor),
      () => fx.service.revokeApiKey(apiKey.id, predictor),
    ];
    for (const attempt of attempts) expect((await failure(attempt)).code).toBe(ErrorCode.FORBIDDEN);
    expect(fx.service.userCount()).toBe(1);
    expect(fx.service.listApiKeys()).toHaveLength(1);
  });

  it('lists users by name without password hashes', async () => {
    await fx.service.createUser('zoe', USER_PASSWORD, Role.VIEWER, fx.admin);
    const users = fx.service.listUsers();
    expect(users.map((u) => [u.username, u.role, u.createdBy])).toEqual([
      ['admin', Role.ADMIN, null],
      ['zoe', Role.VIEWER, 'user:admin'],
    ]);
    expect(JSON.stringify(users)).not.toContain('scrypt$');
  });

  describe('ensureAdmin', () => {
    it('creates the first ADMIN only when there are no users, and is idempotent', async () => {
      // The fixture already ran ensureAdmin('admin', ADMIN_PASSWORD) on an empty store.
      expect(fx.service.listUsers()).toMatchObject([{ username: 'admin', role: Role.ADMIN, createdBy: null }]);
      await expect(fx.service.ensureAdmin('admin', ADMIN_PASSWORD)).resolves.toBe('exists');
      await expect(fx.service.ensureAdmin('admin', 'a-different-Password-99')).resolves.toBe('exists');
      await expect(fx.service.ensureAdmin('root', 'a-different-Password-99')).resolves.toBe('exists');
      expect(fx.service.userCount()).toBe(1);
      await expect(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('creates exactly one administrator when called concurrently on an empty store', async () => {
      fx.store.users.delete('admin');
      const outcomes = await Promise.all([
        fx.service.ensureAdmin('one', ADMIN_PASSWORD),
        fx.service.ensureAdmin('two', ADMIN_PASSWORD),
      ]);
      expect(outcomes.sort()).toEqual(['created', 'exists']);
      expect(fx.service.userCount()).toBe(1);
    });

    it('refuses a weak password or an invalid username on an empty store', async () => {
      fx.store.users.delete('admin');
      expect((await failure(fx.service.ensureAdmin('admin', 'admin'))).code).toBe(ErrorCode.WEAK_PASSWORD);
      expect((await failure(fx.service.ensureAdmin('bad name', ADMIN_PASSWORD))).code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(fx.service.userCount()).toBe(0);
    });
  });
});
