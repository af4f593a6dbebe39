/**
 * API keys over real HTTP: they go with the user who created them, they can expire, and no key stands in for the
 * last ADMIN user. An expired key is made by moving its expiry back in the gateway's own database file, not by
 * waiting.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATABASE_FILE } from '../../src/store/database';
import { postJson, type Endpoint, type GraphQLResponse } from '../support/graphql-client';
import { loginAs, startGateway, type RunningGateway } from '../support/gateway';

const ME = '{ me { kind name role } }';
const CREATE_KEY = `mutation($n: String!, $r: Role!, $d: Int) {
  createApiKey(name: $n, role: $r, expiresInDays: $d) { key apiKey { id name expiresAt revokedAt } }
}`;
const CREATE_USER =
  'mutation($u: String!, $p: String!, $r: Role!) { createUser(username: $u, password: $p, role: $r) { id } }';
const DELETE_USER = 'mutation($u: String!) { deleteUser(username: $u) }';
const PASSWORD = 'amber-Quarry-lantern-58';

interface CreatedKey {
  key: string;
  apiKey: { id: string; name: string; expiresAt: string | null; revokedAt: string | null };
}

let gw: RunningGateway;
let dataDir: string;

const codeOf = (res: GraphQLResponse<unknown>) => res.body.errors?.[0]?.extensions?.code;
const asKey = (key: string): Endpoint => ({ url: gw.graphqlUrl, headers: { 'x-api-key': key } });

async function createKey(by: Endpoint, name: string, role: string, days?: number): Promise<CreatedKey> {
  const res = await postJson<{ createApiKey: CreatedKey }>(by, CREATE_KEY, { n: name, r: role, d: days });
  if (res.body.data?.createApiKey === undefined) throw new Error(JSON.stringify(res.body));
  return res.body.data.createApiKey;
}

async function adminUser(username: string): Promise<Endpoint> {
  const res = await postJson(gw.admin, CREATE_USER, { u: username, p: PASSWORD, r: 'ADMIN' });
  if (res.body.errors !== undefined) throw new Error(JSON.stringify(res.body));
  return loginAs(gw.graphqlUrl, username, PASSWORD);
}

/** Writes straight into the gateway's database, as a second process would. */
function setExpiry(id: string, expiresAt: number): void {
  const db = new BetterSqlite3(path.join(dataDir, DATABASE_FILE), { timeout: 5000 });
  try {
    db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(expiresAt, id);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-keys-'));
  gw = await startGateway({ DATA_DIR: dataDir });
});
afterAll(() => gw.stop());

describe('API keys outlive no one', () => {
  it('an ADMIN key stops working when its creator is deleted, and cannot create users', async () => {
    const ann = await adminUser('ann');
    const { key } = await createKey(ann, 'ann-ops', 'ADMIN');
    expect((await postJson(asKey(key), ME)).body.data).toEqual({
      me: { kind: 'apiKey', name: 'ann-ops', role: 'ADMIN' },
    });
    const bob = await adminUser('bob');
    expect((await postJson(bob, DELETE_USER, { u: 'ann' })).body.data).toEqual({ deleteUser: true });
    expect(codeOf(await postJson(asKey(key), ME))).toBe('UNAUTHENTICATED');
    const attempt = await postJson(asKey(key), CREATE_USER, { u: 'mallory', p: PASSWORD, r: 'ADMIN' });
    expect(codeOf(attempt)).toBe('UNAUTHENTICATED');
    const users = await postJson<{ users: { username: string }[] }>(gw.admin, '{ users { username } }');
    expect(users.body.data?.users.map((u) => u.username)).not.toContain('mallory');
    const keys = await postJson<{ apiKeys: { name: string; revokedAt: string | null }[] }>(
      gw.admin,
      '{ apiKeys { name revokedAt } }',
    );
    expect(keys.body.data?.apiKeys.find((k) => k.name === 'ann-ops')?.revokedAt).toEqual(expect.any(String));
  });

  it('a key created by such a key is revoked too: keys cannot be laundered through a key', async () => {
    const cid = await adminUser('cid');
    const parent = await createKey(cid, 'cid-ops', 'ADMIN');
    const child = await createKey(asKey(parent.key), 'cid-child', 'ADMIN');
    expect((await postJson(asKey(child.key), ME)).body.data).toMatchObject({ me: { name: 'cid-child' } });
    expect((await postJson(gw.admin, DELETE_USER, { u: 'cid' })).body.data).toEqual({ deleteUser: true });
    expect(codeOf(await postJson(asKey(parent.key), ME))).toBe('UNAUTHENTICATED');
    expect(codeOf(await postJson(asKey(child.key), ME))).toBe('UNAUTHENTICATED');
  });
});

describe('API key expiry', () => {
  it('shows expiresAt, works before it, and is refused after it exactly like a revoked key', async () => {
    const before = Date.now();
    const created = await createKey(gw.admin, 'short-lived', 'PREDICTOR', 7);
    const expiresAt = Date.parse(created.apiKey.expiresAt ?? '');
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect((await postJson(asKey(created.key), ME)).body.data).toMatchObject({ me: { name: 'short-lived' } });

    const revoked = await createKey(gw.admin, 'revoked', 'PREDICTOR');
    await postJson(gw.admin, 'mutation($id: ID!) { revokeApiKey(id: $id) }', { id: revoked.apiKey.id });
    setExpiry(created.apiKey.id, Date.now() - 1);
    const expiredAnswer = await postJson(asKey(created.key), ME);
    const revokedAnswer = await postJson(asKey(revoked.key), ME);
    expect(codeOf(expiredAnswer)).toBe('UNAUTHENTICATED');
    expect(expiredAnswer).toEqual(revokedAnswer);
  });

  it('refuses an expiry outside 1 to 3650 days with BAD_USER_INPUT, creating nothing', async () => {
    for (const days of [0, -5, 3651]) {
      const res = await postJson(gw.admin, CREATE_KEY, { n: `bad-${days}`, r: 'VIEWER', d: days });
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    }
    const keys = await postJson<{ apiKeys: { name: string; expiresAt: string | null }[] }>(
      gw.admin,
      '{ apiKeys { name expiresAt } }',
    );
    expect(keys.body.data?.apiKeys.some((k) => k.name.startsWith('bad-'))).toBe(false);
    expect(keys.body.data?.apiKeys.find((k) => k.name === 'test-viewer')?.expiresAt).toBeNull();
  });
});

describe('last-admin guard', () => {
  it('refuses to delete the last ADMIN user, even when asked by an ADMIN key', async () => {
    const { key } = await createKey(gw.admin, 'root-ops', 'ADMIN');
    const others = await postJson<{ users: { username: string; role: string }[] }>(
      gw.admin,
      '{ users { username role } }',
    );
    for (const user of others.body.data?.users ?? []) {
      if (user.username !== 'admin' && user.role === 'ADMIN')
        await postJson(gw.admin, DELETE_USER, { u: user.username });
    }
    const res = await postJson(asKey(key), DELETE_USER, { u: 'admin' });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.extensions?.reason).toBe('lastAdmin');
    expect((await postJson(gw.admin, ME)).body.data).toMatchObject({ me: { name: 'admin', role: 'ADMIN' } });
    expect((await postJson(asKey(key), ME)).body.data).toMatchObject({ me: { name: 'root-ops' } });
  });
});
