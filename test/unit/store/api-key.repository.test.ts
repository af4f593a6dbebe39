import { Role } from '../../../src/auth/role';
import type { NewApiKey } from '../../../src/auth/account-store';
import BetterSqlite3 from 'better-sqlite3';
import { migrate, MIGRATIONS } from '../../../src/store/migrations';
import { createStore, openInMemoryStore, type Store } from '../../../src/store/store';

const ci: NewApiKey = {
  name: 'ci',
  role: Role.PREDICTOR,
  keyHash: 'a'.repeat(64),
  createdAt: 1000,
  createdBy: 'user:admin',
  ownerUserId: 'u-admin',
  expiresAt: null,
};

describe('ApiKeyRepository', () => {
  let store: Store;
  beforeEach(() => {
    store = openInMemoryStore();
  });
  afterEach(() => {
    store.close();
  });

  it('creates a key and finds it by hash while unrevoked, and by id always', () => {
    const key = store.apiKeys.create(ci);
    expect(key).toEqual({
      id: expect.any(String),
      name: 'ci',
      role: Role.PREDICTOR,
      createdAt: 1000,
      createdBy: 'user:admin',
      ownerUserId: 'u-admin',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(store.apiKeys.findActiveByHash(ci.keyHash, 1500)).toEqual(key);
    expect(store.apiKeys.findActiveByHash('b'.repeat(64), 1500)).toBeUndefined();
    expect(store.apiKeys.revoke(key.id, 2000)).toBe(true);
    expect(store.apiKeys.findActiveByHash(ci.keyHash, 2500)).toBeUndefined();
    expect(store.apiKeys.findById(key.id)?.revokedAt).toBe(2000);
  });

  it('revokes once: a second revocation or an unknown id answers false', () => {
    const key = store.apiKeys.create(ci);
    expect(store.apiKeys.revoke(key.id, 2000)).toBe(true);
    expect(store.apiKeys.revoke(key.id, 3000)).toBe(false);
    expect(store.apiKeys.findById(key.id)?.revokedAt).toBe(2000);
    expect(store.apiKeys.revoke('ghost', 3000)).toBe(false);
  });

  it('refuses two keys with the same hash', () => {
    store.apiKeys.create(ci);
    expect(() => store.apiKeys.create({ ...ci, name: 'other' })).toThrow(/UNIQUE/);
  });

  it('lists every key, revoked ones included, oldest first', () => {
    const first = store.apiKeys.create(ci);
    store.apiKeys.create({ ...ci, name: 'later', keyHash: 'c'.repeat(64), createdAt: 5000 });
    store.apiKeys.revoke(first.id, 6000);
    expect(store.apiKeys.list().map((k) => [k.name, k.revokedAt])).toEqual([
      ['ci', 6000],
      ['later', null],
    ]);
  });

  it('records the last use at most once per interval', () => {
    const key = store.apiKeys.create(ci);
    expect(store.apiKeys.touch(key.id, 10_000)).toBe(true);
    expect(store.apiKeys.touch(key.id, 10_000 + 59_999)).toBe(false);
    expect(store.apiKeys.findById(key.id)?.lastUsedAt).toBe(10_000);
    expect(store.apiKeys.touch(key.id, 10_000 + 60_000)).toBe(true);
    expect(store.apiKeys.findById(key.id)?.lastUsedAt).toBe(70_000);
  });

  it('stores the expiry and treats the key as inactive from that instant on', () => {
    const key = store.apiKeys.create({ ...ci, expiresAt: 5000 });
    expect(key.expiresAt).toBe(5000);
    expect(store.apiKeys.findById(key.id)?.expiresAt).toBe(5000);
    expect(store.apiKeys.findActiveByHash(ci.keyHash, 4999)).toEqual(key);
    expect(store.apiKeys.findActiveByHash(ci.keyHash, 5000)).toBeUndefined();
    expect(store.apiKeys.findActiveByHash(ci.keyHash, 9000)).toBeUndefined();
    expect(store.apiKeys.list()[0]?.expiresAt).toBe(5000);
  });

  it("revokes every unrevoked key of one owner at once, and no one else's", () => {
    const mine = store.apiKeys.create(ci);
    const child = store.apiKeys.create({ ...ci, name: 'child', keyHash: 'c'.repeat(64), createdBy: 'apiKey:ci' });
    const old = store.apiKeys.create({ ...ci, name: 'old', keyHash: 'd'.repeat(64) });
    store.apiKeys.revoke(old.id, 1500);
    const theirs = store.apiKeys.create({ ...ci, name: 'theirs', keyHash: 'e'.repeat(64), ownerUserId: 'u-other' });
    const legacy = store.apiKeys.create({ ...ci, name: 'legacy', keyHash: 'f'.repeat(64), ownerUserId: null });
    expect(store.apiKeys.revokeOwnedBy('u-admin', 2000)).toBe(2);
    expect(store.apiKeys.findById(mine.id)?.revokedAt).toBe(2000);
    expect(store.apiKeys.findById(child.id)?.revokedAt).toBe(2000);
    expect(store.apiKeys.findById(old.id)?.revokedAt).toBe(1500);
    expect(store.apiKeys.findById(theirs.id)?.revokedAt).toBeNull();
    expect(store.apiKeys.findById(legacy.id)?.revokedAt).toBeNull();
    expect(store.apiKeys.revokeOwnedBy('u-admin', 3000)).toBe(0);
  });

  it('migrating an older database gives existing keys the owner their created_by names, and no expiry', () => {
    const db = new BetterSqlite3(':memory:');
    const before = MIGRATIONS.findIndex((m) => m.name === 'API key owners and expiry');
    expect(before).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, before));
    db.exec(`
      INSERT INTO users (id, username, password_hash, role, created_at, created_by)
        VALUES ('u-ann', 'ann', 'h', 'ADMIN', 1, NULL), ('u-bob', 'bob', 'h', 'ADMIN', 1, NULL);
      INSERT INTO api_keys (id, name, role, key_hash, created_at, created_by) VALUES
        ('k1', 'ops', 'ADMIN', 'h1', 10, 'user:ann'),
        ('k2', 'child', 'ADMIN', 'h2', 20, 'apiKey:ops'),
        ('k3', 'dup', 'ADMIN', 'h3', 30, 'user:bob'),
        ('k4', 'dup', 'ADMIN', 'h4', 40, 'user:ann'),
        ('k5', 'ambiguous', 'ADMIN', 'h5', 50, 'apiKey:dup'),
        ('k6', 'orphan', 'ADMIN', 'h6', 60, 'user:gone'),
        ('k7', 'seed', 'VIEWER', 'h7', 70, NULL);
    `);
    migrate(db);
    const store = createStore(db);
    try {
      expect(store.apiKeys.list().map((k) => [k.id, k.ownerUserId, k.expiresAt])).toEqual([
        ['k1', 'u-ann', null],
        ['k2', 'u-ann', null],
        ['k3', 'u-bob', null],
        ['k4', 'u-ann', null],
        ['k5', null, null],
        ['k6', null, null],
        ['k7', null, null],
      ]);
    } finally {
      store.close();
    }
  });
});
