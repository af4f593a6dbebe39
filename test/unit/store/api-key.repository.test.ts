import { Role } from '../../../src/auth/role';
import type { NewApiKey } from '../../../src/auth/account-store';
import { openInMemoryStore, type Store } from '../../../src/store/store';

const ci: NewApiKey = {
  name: 'ci',
  role: Role.PREDICTOR,
  keyHash: 'a'.repeat(64),
  createdAt: 1000,
  createdBy: 'user:admin',
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
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(store.apiKeys.findActiveByHash(ci.keyHash)).toEqual(key);
    expect(store.apiKeys.findActiveByHash('b'.repeat(64))).toBeUndefined();
    expect(store.apiKeys.revoke(key.id, 2000)).toBe(true);
    expect(store.apiKeys.findActiveByHash(ci.keyHash)).toBeUndefined();
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
});
