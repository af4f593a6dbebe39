/**
 * Authentication over real HTTP: tokens issued by the gateway, and every kind of bad credential refused with
 * UNAUTHENTICATED. Hostile tokens are crafted here with jsonwebtoken and by hand.
 */
import http from 'node:http';
import jwt from 'jsonwebtoken';
import { postJson, type Endpoint } from '../support/graphql-client';
import { loginAs, startGateway, TEST_ADMIN, TEST_JWT_SECRET, type RunningGateway } from '../support/gateway';

const LOGIN =
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken expiresIn tokenType } }';
const REFRESH = 'mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken expiresIn tokenType } }';
const ME = '{ me { kind name role } }';
const VERA = { username: 'vera', password: 'violet-stapler-canyon-77' };

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

let gw: RunningGateway;
let veraId: string;

const bearer = (token: string): Endpoint => ({ url: gw.graphqlUrl, headers: { authorization: `Bearer ${token}` } });
const codeOf = (res: { body: { errors?: { extensions?: { code?: string } }[] } }) =>
  res.body.errors?.[0]?.extensions?.code;
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function login(username: string, password: string): Promise<Tokens> {
  const res = await postJson<{ login: Tokens }>(gw.graphqlUrl, LOGIN, { u: username, p: password });
  if (res.body.data?.login === undefined) throw new Error(JSON.stringify(res.body));
  return res.body.data.login;
}

beforeAll(async () => {
  gw = await startGateway({
    LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_ADDRESS: '3',
    LOGIN_MAX_ATTEMPTS_PER_ADDRESS: '1000',
  });
  await postJson(
    gw.admin,
    'mutation($u: String!, $p: String!) { createUser(username: $u, password: $p, role: VIEWER) { id } }',
    {
      u: VERA.username,
      p: VERA.password,
    },
  );
  veraId = String(jwt.decode((await login(VERA.username, VERA.password)).accessToken, { json: true })?.sub);
});
afterAll(() => gw.stop());

describe('login', () => {
  it('issues a bearer access token with a 15-minute lifetime and a refresh token', async () => {
    const tokens = await login(VERA.username, VERA.password);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const claims = jwt.verify(tokens.accessToken, TEST_JWT_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: veraId, iss: 'infergraph', aud: 'infergraph-api' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
    const me = await postJson(bearer(tokens.accessToken), ME);
    expect(me.body.data).toEqual({ me: { kind: 'user', name: 'vera', role: 'VIEWER' } });
  });

  it('answers a wrong password and an unknown user identically', async () => {
    const wrong = await postJson(gw.graphqlUrl, LOGIN, { u: 'admin', p: 'not the password at all' });
    const unknown = await postJson(gw.graphqlUrl, LOGIN, { u: 'nobody-here', p: 'not the password at all' });
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
  });

  it('throttles a username from an address after too many failures, even for the right password, with a retry hint', async () => {
    await postJson(
      gw.admin,
      'mutation { createUser(username: "lockme", password: "amber-lantern-harbor-91", role: VIEWER) { id } }',
    );
    for (let i = 0; i < 3; i += 1) await postJson(gw.graphqlUrl, LOGIN, { u: 'lockme', p: `wrong guess number ${i}` });
    const res = await postJson(gw.graphqlUrl, LOGIN, { u: 'lockme', p: 'amber-lantern-harbor-91' });
    expect(codeOf(res)).toBe('RATE_LIMITED');
    expect(res.body.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);
  });
});

describe('access tokens', () => {
  const signed = (claims: object, options: jwt.SignOptions = {}, secret = TEST_JWT_SECRET) =>
    jwt.sign({ kind: 'user', ...claims }, secret, {
      algorithm: 'HS256',
      issuer: 'infergraph',
      audience: 'infergraph-api',
      expiresIn: 300,
      jwtid: `test-${Math.random()}`,
      ...options,
    });

  it('refuses a request without credentials', async () => {
    expect(codeOf(await postJson(gw.graphqlUrl, '{ models { name } }'))).toBe('UNAUTHENTICATED');
  });

  it.each([
    {
      name: 'forged (signed with another key)',
      token: () => signed({ sub: veraId, role: 'VIEWER' }, {}, 'another-secret-that-is-also-32-bytes-long!!'),
    },
    {
      name: 'expired',
      token: () =>
        signed({ sub: veraId, role: 'VIEWER', iat: Math.floor(Date.now() / 1000) - 3600 }, { expiresIn: 60 }),
    },
    {
      name: 'unsigned (alg none)',
      token: () =>
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: veraId, role: 'VIEWER', kind: 'user', jti: 'unsigned', iss: 'infergraph', aud: 'infergraph-api', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })}.`,
    },
    {
      name: 'without exp',
      token: () =>
        jwt.sign({ sub: veraId, role: 'VIEWER', kind: 'user' }, TEST_JWT_SECRET, {
          algorithm: 'HS256',
          issuer: 'infergraph',
          audience: 'infergraph-api',
          jwtid: 'no-exp',
        }),
    },
    {
      name: 'for another audience',
      token: () => signed({ sub: veraId, role: 'VIEWER' }, { audience: 'someone-else' }),
    },
    { name: 'from another issuer', token: () => signed({ sub: veraId, role: 'VIEWER' }, { issuer: 'evil' }) },
    { name: 'signed with HS512', token: () => signed({ sub: veraId, role: 'VIEWER' }, { algorithm: 'HS512' }) },
    {
      name: 'for a user that does not exist',
      token: () => signed({ sub: '00000000-0000-0000-0000-000000000000', role: 'ADMIN' }),
    },
    { name: 'garbage', token: () => 'not.a.jwt' },
  ])('refuses a token that is $name', async ({ token }) => {
    const res = await postJson(bearer(token()), ME);
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses a tampered token (payload changed, signature kept)', async () => {
    const { accessToken } = await login(VERA.username, VERA.password);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64url({ ...claims, role: 'ADMIN' })}.${signature}`;
    expect(codeOf(await postJson(bearer(tampered), ME))).toBe('UNAUTHENTICATED');
  });

  it('takes the role from the user store, not from the token', async () => {
    const token = signed({ sub: veraId, role: 'ADMIN' });
    const res = await postJson(bearer(token), '{ users { username } }');
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('refuses an Authorization header with another scheme', async () => {
    const res = await postJson(
      { url: gw.graphqlUrl, headers: { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } },
      ME,
    );
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});

describe('refresh tokens', () => {
  it('rotate: a refresh token works once and returns a new pair', async () => {
    const first = await login(VERA.username, VERA.password);
    const res = await postJson<{ refresh: Tokens }>(gw.graphqlUrl, REFRESH, { t: first.refreshToken });
    const second = res.body.data?.refresh as Tokens;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await postJson(bearer(second.accessToken), ME)).body.data).toEqual({
      me: { kind: 'user', name: 'vera', role: 'VIEWER' },
    });
  });

  it('replayed: presenting a spent refresh token revokes its whole family', async () => {
    const first = await login(VERA.username, VERA.password);
    const second = (await postJson<{ refresh: Tokens }>(gw.graphqlUrl, REFRESH, { t: first.refreshToken })).body.data
      ?.refresh as Tokens;
    expect(codeOf(await postJson(gw.graphqlUrl, REFRESH, { t: first.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await postJson(gw.graphqlUrl, REFRESH, { t: second.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('logout revokes the refresh token', async () => {
    const tokens = await login(VERA.username, VERA.password);
    const out = await postJson(gw.graphqlUrl, 'mutation($t: String!) { logout(refreshToken: $t) }', {
      t: tokens.refreshToken,
    });
    expect(out.body.data).toEqual({ logout: true });
    expect(codeOf(await postJson(gw.graphqlUrl, REFRESH, { t: tokens.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown refresh token', async () => {
    expect(codeOf(await postJson(gw.graphqlUrl, REFRESH, { t: 'rt_made-up' }))).toBe('UNAUTHENTICATED');
  });
});

describe('API keys and deleted users', () => {
  it('a revoked API key stops working at once', async () => {
    const created = await postJson<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      gw.admin,
      'mutation { createApiKey(name: "ci-bot", role: VIEWER) { key apiKey { id } } }',
    );
    const { key, apiKey } = created.body.data?.createApiKey ?? { key: '', apiKey: { id: '' } };
    const asBot: Endpoint = { url: gw.graphqlUrl, headers: { 'x-api-key': key } };
    expect((await postJson(asBot, ME)).body.data).toEqual({ me: { kind: 'apiKey', name: 'ci-bot', role: 'VIEWER' } });
    await postJson(gw.admin, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id });
    expect(codeOf(await postJson(asBot, ME))).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown API key, and a request carrying both a key and a token', async () => {
    expect(codeOf(await postJson({ url: gw.graphqlUrl, headers: { 'x-api-key': 'igk_nope' } }, ME))).toBe(
      'UNAUTHENTICATED',
    );
    const admin = await loginAs(gw.graphqlUrl, TEST_ADMIN.username, TEST_ADMIN.password);
    const both = {
      url: gw.graphqlUrl,
      headers: { ...(admin as { headers: Record<string, string> }).headers, 'x-api-key': 'igk_nope' },
    };
    expect(codeOf(await postJson(both, ME))).toBe('UNAUTHENTICATED');
  });

  it("a deleted user's access and refresh tokens stop working", async () => {
    await postJson(
      gw.admin,
      'mutation { createUser(username: "temp", password: "quartz-meadow-falcon-12", role: PREDICTOR) { id } }',
    );
    const tokens = await login('temp', 'quartz-meadow-falcon-12');
    await postJson(gw.admin, 'mutation { deleteUser(username: "temp") }');
    expect(codeOf(await postJson(bearer(tokens.accessToken), ME))).toBe('UNAUTHENTICATED');
    expect(codeOf(await postJson(gw.graphqlUrl, REFRESH, { t: tokens.refreshToken }))).toBe('UNAUTHENTICATED');
  });
});

/**
 * Login throttling must not become a denial of service (issue #12, item 6). All clients of a test are on loopback:
 * distinct client addresses are distinct source addresses in 127.0.0.0/8 (`localAddress`), and a reverse proxy is
 * simulated by the `X-Forwarded-For` header it would add.
 */
describe('login throttling without lockout', () => {
  let plain: RunningGateway;
  let proxied: RunningGateway;

  interface From {
    readonly localAddress?: string;
    readonly forwardedFor?: string;
  }

  function loginFrom(target: RunningGateway, from: From, username: string, password: string) {
    const body = JSON.stringify({ query: LOGIN, variables: { u: username, p: password } });
    const url = new URL(target.graphqlUrl);
    return new Promise<{ data?: { login: Tokens } | null; errors?: { extensions?: Record<string, unknown> }[] }>(
      (resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            localAddress: from.localAddress,
            agent: false,
            headers: {
              'content-type': 'application/json',
              ...(from.forwardedFor === undefined ? {} : { 'x-forwarded-for': from.forwardedFor }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as never));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  }
  const outcome = (res: Awaited<ReturnType<typeof loginFrom>>) =>
    res.data?.login?.tokenType ?? res.errors?.[0]?.extensions?.['code'];

  beforeAll(async () => {
    [plain, proxied] = await Promise.all([startGateway(), startGateway({ TRUST_PROXY: '1' })]);
  });
  afterAll(() => Promise.all([plain.stop(), proxied.stop()]));

  it('twenty bad logins for the admin from one address do not lock the admin out from another address', async () => {
    const attacker = { localAddress: '127.0.0.2' };
    const outcomes: unknown[] = [];
    for (let i = 0; i < 20; i += 1)
      outcomes.push(outcome(await loginFrom(plain, attacker, TEST_ADMIN.username, `wrong guess ${i}`)));
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(outcomes.slice(5)).toEqual(Array(15).fill('RATE_LIMITED'));
    expect(outcome(await loginFrom(plain, attacker, TEST_ADMIN.username, TEST_ADMIN.password))).toBe('RATE_LIMITED');
    const admin = { localAddress: '127.0.0.3' };
    expect(outcome(await loginFrom(plain, admin, TEST_ADMIN.username, TEST_ADMIN.password))).toBe('Bearer');
  });

  it('with TRUST_PROXY=1, clients behind one proxy are limited separately by X-Forwarded-For', async () => {
    const attacker = { forwardedFor: '198.51.100.66' };
    for (let i = 0; i < 5; i += 1) await loginFrom(proxied, attacker, TEST_ADMIN.username, `wrong guess ${i}`);
    const refused = await loginFrom(proxied, attacker, TEST_ADMIN.username, TEST_ADMIN.password);
    expect(outcome(refused)).toBe('RATE_LIMITED');
    expect(refused.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);
    // Another client of the same proxy (the same peer address, 127.0.0.1), with the right password.
    const user = { forwardedFor: '203.0.113.7' };
    expect(outcome(await loginFrom(proxied, user, TEST_ADMIN.username, TEST_ADMIN.password))).toBe('Bearer');
    // Only the hop the proxy appended counts: a client cannot choose its address by sending the header itself.
    const spoofing = { forwardedFor: '203.0.113.7, 198.51.100.66' };
    expect(outcome(await loginFrom(proxied, spoofing, TEST_ADMIN.username, TEST_ADMIN.password))).toBe('RATE_LIMITED');
  });

  it('with TRUST_PROXY=0, X-Forwarded-For is ignored: spoofing it does not evade the limit', async () => {
    const outcomes: unknown[] = [];
    for (let i = 0; i < 6; i += 1) {
      const from = { localAddress: '127.0.0.4', forwardedFor: `198.51.100.${i + 1}` };
      outcomes.push(outcome(await loginFrom(plain, from, 'nobody-at-all', `wrong guess ${i}`)));
    }
    expect(outcomes).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
  });

  it('unlockLogin lets an ADMIN clear a throttled user, and is refused to non-admins', async () => {
    const password = 'amber-lantern-harbor-91';
    await postJson(
      plain.admin,
      `mutation { createUser(username: "unlock-me", password: "${password}", role: VIEWER) { id } }`,
    );
    const from = { localAddress: '127.0.0.5' };
    for (let i = 0; i < 5; i += 1) await loginFrom(plain, from, 'unlock-me', `wrong guess ${i}`);
    expect(outcome(await loginFrom(plain, from, 'unlock-me', password))).toBe('RATE_LIMITED');
    const UNLOCK = 'mutation { unlockLogin(username: "unlock-me") }';
    expect(codeOf(await postJson(plain.graphqlUrl, UNLOCK))).toBe('UNAUTHENTICATED');
    for (const other of [plain.viewer, plain.predictor])
      expect(codeOf(await postJson(other, UNLOCK))).toBe('FORBIDDEN');
    expect(outcome(await loginFrom(plain, from, 'unlock-me', password))).toBe('RATE_LIMITED');
    expect((await postJson(plain.admin, UNLOCK)).body).toEqual({ data: { unlockLogin: true } });
    expect(outcome(await loginFrom(plain, from, 'unlock-me', password))).toBe('Bearer');
  });
});
