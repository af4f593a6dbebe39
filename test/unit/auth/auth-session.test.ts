import { Writable } from 'node:stream';
import pino from 'pino';
import { Role } from '../../../src/auth/role';
import { ErrorCode } from '../../../src/errors/error-code';
import { ADMIN_PASSWORD, authFixture, type AuthFixture, dumpTables, failure, payloadOf, T0 } from './auth-helpers';

const ADDRESS = '203.0.113.7';

describe('AuthService sessions', () => {
  let fx: AuthFixture;
  beforeEach(async () => {
    fx = await authFixture();
  });

  describe('login', () => {
    it('returns a Bearer access token, its lifetime and an opaque refresh token', async () => {
      const tokens = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      expect(tokens).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^rt_[A-Za-z0-9_-]{43}$/),
        expiresIn: 900,
        tokenType: 'Bearer',
      });
      expect(payloadOf(tokens.accessToken)).toMatchObject({
        sub: fx.admin.id,
        role: 'ADMIN',
        kind: 'user',
        iat: T0 / 1000,
        exp: T0 / 1000 + 900,
      });
      expect(fx.service.authenticate({ authorization: `Bearer ${tokens.accessToken}` })).toEqual({
        status: 'authenticated',
        principal: fx.admin,
      });
    });

    it('stores only the hash of the refresh token', async () => {
      const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      const dump = dumpTables(fx.db);
      expect(dump).not.toContain(refreshToken);
      expect(dump).not.toContain(refreshToken.slice(3));
      expect(dump).not.toContain(ADMIN_PASSWORD);
    });

    it('matches the username case-insensitively', async () => {
      await expect(fx.service.login('ADMIN', ADMIN_PASSWORD, ADDRESS)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('answers an unknown user and a wrong password identically, spending a scrypt derivation on both', async () => {
      const unknown = await failure(fx.service.login('nobody', ADMIN_PASSWORD, ADDRESS));
      expect(fx.hasher.dummies).toBe(1);
      const wrong = await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS));
      expect(fx.hasher.verifications).toBe(1);
      for (const error of [unknown, wrong]) {
        expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
        expect(error.message).toBe('Invalid username or password.');
        expect(error.details).toEqual({});
      }
    });

    it('treats a username that could not exist like an unknown one, with the same work', async () => {
      for (const username of ['', 'with space', 'x'.repeat(65), 'admin\u0000']) {
        expect((await failure(fx.service.login(username, ADMIN_PASSWORD, ADDRESS))).code).toBe(
          ErrorCode.UNAUTHENTICATED,
        );
      }
      expect(fx.hasher.dummies).toBe(4);
      expect(fx.hasher.verifications).toBe(0);
    });

    it('refuses further attempts on a username from an address after loginMaxAttemptsPerUsernameAndAddress failures, before checking the password', async () => {
      for (let i = 0; i < 3; i += 1) await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS));
      expect(fx.hasher.verifications).toBe(3);
      const limited = await failure(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS));
      expect(limited.code).toBe(ErrorCode.RATE_LIMITED);
      expect(limited.details).toEqual({ retryAfterSeconds: expect.any(Number) });
      expect(limited.details.retryAfterSeconds).toBeGreaterThan(0);
      expect(limited.details.retryAfterSeconds).toBeLessThanOrEqual(60);
      // The right password was not even looked at.
      expect(fx.hasher.verifications).toBe(3);
    });

    it('logs the right password in from another address while one address is throttled for the username', async () => {
      for (let i = 0; i < 10; i += 1) await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS));
      await expect(fx.service.login('admin', ADMIN_PASSWORD, '192.0.2.1')).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    });

    it('slows a username failing from many addresses rather than locking it', async () => {
      for (let i = 0; i < 6; i += 1)
        await failure(fx.service.login('admin', 'wrong password, long enough', `198.51.100.${i}`));
      const slowed = await failure(fx.service.login('admin', ADMIN_PASSWORD, '192.0.2.1'));
      expect(slowed.code).toBe(ErrorCode.RATE_LIMITED);
      expect(slowed.details).toEqual({ retryAfterSeconds: 1 });
      expect(fx.hasher.verifications).toBe(6);
      fx.clock.now += 1000;
      await expect(fx.service.login('admin', ADMIN_PASSWORD, '192.0.2.1')).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    });

    it('unlockLogin clears the throttling of a user for an ADMIN, and refuses others and unknown usernames', async () => {
      for (let i = 0; i < 3; i += 1) await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS));
      expect((await failure(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS))).code).toBe(ErrorCode.RATE_LIMITED);
      const viewer = { kind: 'apiKey', id: 'k1', name: 'ci', role: Role.VIEWER } as const;
      expect(() => fx.service.unlockLogin('admin', viewer)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
      expect(() => fx.service.unlockLogin('nobody', fx.admin)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(fx.service.unlockLogin('ADMIN', fx.admin)).toBe(true);
      await expect(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('refuses further attempts from an address after loginMaxAttemptsPerAddress failures, whatever the username', async () => {
      for (let i = 0; i < 10; i += 1) await failure(fx.service.login(`user${i}`, 'whatever password', ADDRESS));
      const limited = await failure(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS));
      expect(limited.code).toBe(ErrorCode.RATE_LIMITED);
      await expect(fx.service.login('admin', ADMIN_PASSWORD, '192.0.2.1')).resolves.toMatchObject({
        tokenType: 'Bearer',
      });
    });

    it('a successful login resets the username counter', async () => {
      for (let i = 0; i < 2; i += 1) await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS));
      await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      for (let i = 0; i < 3; i += 1) {
        expect((await failure(fx.service.login('admin', 'wrong password, long enough', ADDRESS))).code).toBe(
          ErrorCode.UNAUTHENTICATED,
        );
      }
      expect((await failure(fx.service.login('admin', ADMIN_PASSWORD, ADDRESS))).code).toBe(ErrorCode.RATE_LIMITED);
    });

    it('logs successes and failures without passwords or tokens', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const logged = await authFixture({}, pino({ level: 'info' }, sink));
      await failure(logged.service.login('admin', 'Wrong-Password-123', ADDRESS));
      await failure(logged.service.login('Secret-Typed-As-Username', ADMIN_PASSWORD, ADDRESS));
      const first = await logged.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      const second = await logged.service.refresh(first.refreshToken);
      await failure(logged.service.refresh(first.refreshToken));
      await logged.service.logout(second.refreshToken);
      const text = lines.join('');
      expect(text).toContain('login.failed');
      expect(text).toContain('login.succeeded');
      expect(text).toContain('refresh.replayed');
      for (const secret of [
        ADMIN_PASSWORD,
        'Wrong-Password-123',
        'Secret-Typed-As-Username',
        first.refreshToken,
        first.accessToken,
        second.refreshToken,
        second.accessToken,
      ]) {
        expect(text).not.toContain(secret);
      }
    });
  });

  describe('refresh', () => {
    it('rotates: returns a new pair and the presented token cannot be used again', async () => {
      const first = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      fx.clock.advance(60_000);
      const second = await fx.service.refresh(first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(payloadOf(second.accessToken).iat).toBe(T0 / 1000 + 60);
      expect(fx.service.authenticate({ authorization: `Bearer ${second.accessToken}` }).status).toBe('authenticated');
      expect((await failure(fx.service.refresh(first.refreshToken))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('revokes the whole family when a used token is presented again: the newest token fails too', async () => {
      const t1 = (await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).refreshToken;
      const t2 = (await fx.service.refresh(t1)).refreshToken;
      const t3 = (await fx.service.refresh(t2)).refreshToken;
      const replay = await failure(fx.service.refresh(t1));
      expect(replay.code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(replay.message).toBe('Invalid or expired refresh token.');
      expect((await failure(fx.service.refresh(t3))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('does not touch other sessions of the same user when one family is revoked', async () => {
      const a = (await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).refreshToken;
      const b = (await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).refreshToken;
      await fx.service.refresh(a);
      await failure(fx.service.refresh(a));
      await expect(fx.service.refresh(b)).resolves.toMatchObject({ tokenType: 'Bearer' });
    });

    it('lets only one of two concurrent refreshes with the same token win', async () => {
      const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      const outcomes = await Promise.allSettled([fx.service.refresh(refreshToken), fx.service.refresh(refreshToken)]);
      const winners = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      expect(winners).toHaveLength(1);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
        reason: { code: ErrorCode.UNAUTHENTICATED },
      });
      // The loser looked like a replay, so the family, the winner's new token included, is revoked.
      expect((await failure(fx.service.refresh(winners[0]?.refreshToken ?? ''))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('refuses an expired refresh token, and accepts it until then', async () => {
      const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      const other = (await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).refreshToken;
      fx.clock.advance(3600 * 1000 - 1);
      await expect(fx.service.refresh(other)).resolves.toMatchObject({ tokenType: 'Bearer' });
      fx.clock.advance(1);
      expect((await failure(fx.service.refresh(refreshToken))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('refuses unknown, malformed and access tokens presented as refresh tokens', async () => {
      const { accessToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      for (const token of ['', 'rt_unknown', `rt_${'A'.repeat(43)}`, accessToken, `igk_${'A'.repeat(43)}`]) {
        expect((await failure(fx.service.refresh(token))).code).toBe(ErrorCode.UNAUTHENTICATED);
      }
    });

    it('issues the new access token with the role stored now, not the one at login', async () => {
      const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      fx.store.users.updateRole(fx.admin.id, Role.VIEWER);
      expect(payloadOf((await fx.service.refresh(refreshToken)).accessToken).role).toBe('VIEWER');
    });

    it("refuses a deleted user's refresh token", async () => {
      const alice = await fx.service.createUser('alice', 'violet-Lantern-42-orbit', Role.PREDICTOR, fx.admin);
      const { refreshToken } = await fx.service.login(alice.username, 'violet-Lantern-42-orbit', ADDRESS);
      fx.service.deleteUser('alice', fx.admin);
      expect((await failure(fx.service.refresh(refreshToken))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });
  });

  describe('logout', () => {
    it('revokes the session: its refresh token, and the newer ones of its family, stop working', async () => {
      const t1 = (await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS)).refreshToken;
      const t2 = (await fx.service.refresh(t1)).refreshToken;
      await expect(fx.service.logout(t1)).resolves.toBe(true);
      expect((await failure(fx.service.refresh(t2))).code).toBe(ErrorCode.UNAUTHENTICATED);
    });

    it('answers false, without an error, for an unknown, malformed or already revoked token', async () => {
      const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      await expect(fx.service.logout(refreshToken)).resolves.toBe(true);
      await expect(fx.service.logout(refreshToken)).resolves.toBe(false);
      await expect(fx.service.logout(`rt_${'A'.repeat(43)}`)).resolves.toBe(false);
      await expect(fx.service.logout('garbage')).resolves.toBe(false);
    });

    it('leaves the access token valid until it expires (stateless), then it is refused', async () => {
      const { accessToken, refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
      await fx.service.logout(refreshToken);
      expect(fx.service.authenticate({ authorization: `Bearer ${accessToken}` }).status).toBe('authenticated');
      fx.clock.advance((900 + 5) * 1000);
      expect(fx.service.authenticate({ authorization: `Bearer ${accessToken}` })).toEqual({
        status: 'rejected',
        reason: 'access token expired',
      });
    });
  });
});
