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

  describe('deleteUser and API keys', () => {
    it('revokes, in the same deletion, the keys the user created and the keys those keys created', async () => {
      await fx.service.createUser('ann', USER_PASSWORD, Role.ADMIN, fx.admin);
      const ann = fx.store.users.findByUsername('ann');
      const annP: Principal = { kind: 'user', id: ann?.id ?? '', name: 'ann', role: Role.ADMIN };
      const ops = fx.service.createApiKey('ops', Role.ADMIN, annP);
      const opsP = fx.service.authenticate({ apiKey: ops.key });
      if (opsP.status !== 'authenticated') throw new Error('ops key refused');
      const laundered = fx.service.createApiKey('laundered', Role.ADMIN, opsP.principal);
      const unrelated = fx.service.createApiKey('unrelated', Role.ADMIN, fx.admin);
      fx.clock.advance(1000);
      expect(fx.service.deleteUser('ann', fx.admin)).toBe(true);
      for (const key of [ops.key, laundered.key])
        expect(fx.service.authenticate({ apiKey: key }).status).toBe('rejected');
      expect(fx.service.authenticate({ apiKey: unrelated.key }).status).toBe('authenticated');
      const revokedAt = Object.fromEntries(fx.service.listApiKeys().map((k) => [k.name, k.revokedAt]));
      expect(revokedAt).toEqual({ ops: new Date(T0 + 1000), laundered: new Date(T0 + 1000), unrelated: null });
    });

    it('revokes nothing when the deletion is refused', async () => {
      const { key } = fx.service.createApiKey('ops', Role.ADMIN, fx.admin);
      const opsP = fx.service.authenticate({ apiKey: key });
      if (opsP.status !== 'authenticated') throw new Error('ops key refused');
      expect((await failure(() => fx.service.deleteUser('admin', opsP.principal))).details).toEqual({
        reason: 'lastAdmin',
      });
      expect(fx.service.authenticate({ apiKey: key }).status).toBe('authenticated');
    });

    it('does not count ADMIN keys as administrators: the last ADMIN user stays, however many keys exist', async () => {
      await fx.service.createUser('viewer', USER_PASSWORD, Role.VIEWER, fx.admin);
      fx.service.createApiKey('ops-1', Role.ADMIN, fx.admin);
      const { key } = fx.service.createApiKey('ops-2', Role.ADMIN, fx.admin);
      const opsP = fx.service.authenticate({ apiKey: key });
      if (opsP.status !== 'authenticated') throw new Error('ops key refused');
      expect((await failure(() => fx.service.deleteUser('admin', opsP.principal))).details).toEqual({
        reason: 'lastAdmin',
      });
      expect(fx.service.deleteUser('viewer', opsP.principal)).toBe(true);
    });
  });

  describe('API keys', () => {
    it('lets a key create keys that expire no later than itself', () => {
      const { key } = fx.service.createApiKey('ops', Role.ADMIN, fx.admin, 2);
      const ops = fx.service.authenticate({ apiKey: key });
      if (ops.status !== 'authenticated') throw new Error('ops key refused');
      const limit = new Date(T0 + 2 * 86_400_000);
      expect(fx.service.createApiKey('forever', Role.ADMIN, ops.principal).apiKey.expiresAt).toEqual(limit);
      expect(fx.service.createApiKey('longer', Role.ADMIN, ops.principal, 30).apiKey.expiresAt).toEqual(limit);
      expect(fx.service.createApiKey('shorter', Role.ADMIN, ops.principal, 1).apiKey.expiresAt).toEqual(
        new Date(T0 + 86_400_000),
      );
    });

    it('refuses with UNAUTHENTICATED to create a key for an actor deleted or revoked since it was authenticated', async () => {
      await fx.service.createUser('ann', USER_PASSWORD, Role.ADMIN, fx.admin);
      const ann = fx.store.users.findByUsername('ann');
      const annP: Principal = { kind: 'user', id: ann?.id ?? '', name: 'ann', role: Role.ADMIN };
      const { key, apiKey } = fx.service.createApiKey('ops', Role.ADMIN, fx.admin);
      const ops = fx.service.authenticate({ apiKey: key });
      if (ops.status !== 'authenticated') throw new Error('ops key refused');
      fx.service.deleteUser('ann', fx.admin);
      fx.service.revokeApiKey(apiKey.id, fx.admin);
      expect((await failure(() => fx.service.createApiKey('late', Role.ADMIN, annP))).code).toBe(
        ErrorCode.UNAUTHENTICATED,
      );
      expect((await failure(() => fx.service.createApiKey('late', Role.ADMIN, ops.principal))).code).toBe(
        ErrorCode.UNAUTHENTICATED,
      );
      expect(fx.service.listApiKeys().map((k) => k.name)).toEqual(['ops']);
    });

    it('gives a key an expiry of expiresInDays days from now, shown in listings', () => {
      const { apiKey } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin, 30);
      expect(apiKey.expiresAt).toEqual(new Date(T0 + 30 * 86_400_000));
      expect(fx.service.listApiKeys()[0]?.expiresAt).toEqual(new Date(T0 + 30 * 86_400_000));
    });

    it('refuses an expiry outside 1 to 3650 whole days with BAD_USER_INPUT', async () => {
      for (const days of [0, -1, 3651, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = await failure(() => fx.service.createApiKey('ci', Role.VIEWER, fx.admin, days));
        expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      }
      expect(fx.service.createApiKey('max', Role.VIEWER, fx.admin, 3650).apiKey.expiresAt).toEqual(
        new Date(T0 + 3650 * 86_400_000),
      );
      expect(fx.service.listApiKeys().map((k) => k.name)).toEqual(['max']);
    });

    it('returns the key once, stores only its hash, and never lists it', () => {
      const { key, apiKey } = fx.service.createApiKey('ci pipeline', Role.PREDICTOR, fx.admin);
      expect(key).toMatch(/^igk_[A-Za-z0-9_-]{43}$/);
      expect(apiKey).toEqual({
        id: expect.any(String),
        name: 'ci pipeline',
        role: Role.PREDICTOR,
        createdAt: new Date(T0),
        createdBy: 'user:admin',
        expiresAt: null,
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
      const { apiKey } = fx.service.createApiKey('ops', Role.ADMIN, fx.admin);
      const ops: Principal = { kind: 'apiKey', id: apiKey.id, name: 'ops', role: Role.ADMIN };
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
