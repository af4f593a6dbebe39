import jwt from 'jsonwebtoken';
import { Role } from '../../../src/auth/role';
import { ADMIN_PASSWORD, authFixture, type AuthFixture, SECRET, T0, USER_PASSWORD } from './auth-helpers';

const ADDRESS = '203.0.113.7';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('AuthService.authenticate', () => {
  let fx: AuthFixture;
  beforeEach(async () => {
    fx = await authFixture();
  });

  it('is anonymous without credentials', () => {
    expect(fx.service.authenticate({})).toEqual({ status: 'anonymous' });
    expect(fx.service.authenticate({ authorization: undefined, apiKey: undefined })).toEqual({ status: 'anonymous' });
  });

  it('authenticates a valid Bearer access token as the user it names', async () => {
    const user = await fx.service.createUser('alice', USER_PASSWORD, Role.PREDICTOR, fx.admin);
    const { accessToken } = await fx.service.login('alice', USER_PASSWORD, ADDRESS);
    expect(fx.service.authenticate(bearer(accessToken))).toEqual({
      status: 'authenticated',
      principal: { kind: 'user', id: user.id, name: 'alice', role: Role.PREDICTOR },
    });
  });

  it('uses the role stored now, not the role written in the token', async () => {
    await fx.service.createUser('alice', USER_PASSWORD, Role.PREDICTOR, fx.admin);
    const { accessToken } = await fx.service.login('alice', USER_PASSWORD, ADDRESS);
    const alice = fx.store.users.findByUsername('alice');
    fx.store.users.updateRole(alice?.id ?? '', Role.VIEWER);
    expect(fx.service.authenticate(bearer(accessToken))).toMatchObject({
      status: 'authenticated',
      principal: { role: Role.VIEWER },
    });
  });

  it("rejects a deleted user's access token before it expires", async () => {
    await fx.service.createUser('alice', USER_PASSWORD, Role.PREDICTOR, fx.admin);
    const { accessToken } = await fx.service.login('alice', USER_PASSWORD, ADDRESS);
    fx.service.deleteUser('alice', fx.admin);
    expect(fx.service.authenticate(bearer(accessToken))).toEqual({
      status: 'rejected',
      reason: 'access token user no longer exists',
    });
  });

  it('rejects, never treats as anonymous, a forged, expired or garbage Bearer token', async () => {
    const { accessToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
    const forged = jwt.sign(
      {
        sub: fx.admin.id,
        role: 'ADMIN',
        kind: 'user',
        jti: 'j',
        iat: T0 / 1000,
        exp: T0 / 1000 + 900,
        iss: 'infergraph',
        aud: 'infergraph-api',
      },
      `${SECRET}-other`,
    );
    expect(fx.service.authenticate(bearer(forged))).toEqual({
      status: 'rejected',
      reason: 'access token bad-signature',
    });
    expect(fx.service.authenticate(bearer('not.a.jwt'))).toEqual({
      status: 'rejected',
      reason: 'access token malformed',
    });
    fx.clock.advance(3600 * 1000);
    expect(fx.service.authenticate(bearer(accessToken))).toEqual({
      status: 'rejected',
      reason: 'access token expired',
    });
  });

  it('rejects a refresh token presented as a Bearer token', async () => {
    const { refreshToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
    expect(fx.service.authenticate(bearer(refreshToken))).toMatchObject({ status: 'rejected' });
  });

  it('rejects both headers at once, even if each is valid', async () => {
    const { accessToken } = await fx.service.login('admin', ADMIN_PASSWORD, ADDRESS);
    const { key } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin);
    expect(fx.service.authenticate({ authorization: `Bearer ${accessToken}`, apiKey: key })).toMatchObject({
      status: 'rejected',
    });
  });

  it('rejects an Authorization header with another scheme or no token', () => {
    for (const authorization of ['Basic YWRtaW46cGFzcw==', 'Bearer', 'Token abc']) {
      expect(fx.service.authenticate({ authorization })).toMatchObject({ status: 'rejected' });
    }
  });

  it('authenticates an API key as the key, with its role, and records its use', () => {
    const { key, apiKey } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin);
    expect(apiKey.lastUsedAt).toBeNull();
    fx.clock.advance(5000);
    expect(fx.service.authenticate({ apiKey: key })).toEqual({
      status: 'authenticated',
      principal: { kind: 'apiKey', id: apiKey.id, name: 'ci', role: Role.PREDICTOR },
    });
    expect(fx.service.listApiKeys()[0]?.lastUsedAt).toEqual(new Date(T0 + 5000));
  });

  it('rejects a revoked, unknown or malformed API key', () => {
    const { key, apiKey } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin);
    fx.service.revokeApiKey(apiKey.id, fx.admin);
    expect(fx.service.authenticate({ apiKey: key })).toEqual({
      status: 'rejected',
      reason: 'unknown, revoked or expired API key',
    });
    expect(fx.service.authenticate({ apiKey: `igk_${'A'.repeat(43)}` })).toMatchObject({ status: 'rejected' });
    expect(fx.service.authenticate({ apiKey: 'password123' })).toMatchObject({ status: 'rejected' });
  });

  it('accepts an API key until its expiry, then rejects it exactly like a revoked key', () => {
    const { key } = fx.service.createApiKey('ci', Role.PREDICTOR, fx.admin, 1);
    const revoked = fx.service.createApiKey('gone', Role.PREDICTOR, fx.admin);
    fx.service.revokeApiKey(revoked.apiKey.id, fx.admin);
    fx.clock.advance(86_400_000 - 1);
    expect(fx.service.authenticate({ apiKey: key }).status).toBe('authenticated');
    fx.clock.advance(1);
    expect(fx.service.authenticate({ apiKey: key })).toEqual(fx.service.authenticate({ apiKey: revoked.key }));
    expect(fx.service.authenticate({ apiKey: key })).toEqual({
      status: 'rejected',
      reason: 'unknown, revoked or expired API key',
    });
  });
});
