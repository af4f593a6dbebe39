import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Role } from '../../../src/auth/role';
import type { NewRefreshToken } from '../../../src/auth/account-store';
import { openInMemoryStore, openStore, type Store } from '../../../src/store/store';

function addUser(store: Store, username: string): string {
  const created = store.users.create({ username, passwordHash: 'h', role: Role.VIEWER, createdAt: 0, createdBy: null });
  if (created.status !== 'created') throw new Error('not created');
  return created.user.id;
}

describe('RefreshTokenRepository', () => {
  let store: Store;
  let alice: string;
  const token = (patch: Partial<NewRefreshToken>): NewRefreshToken => ({
    familyId: 'family-1',
    userId: alice,
    tokenHash: 'hash-1',
    createdAt: 1000,
    expiresAt: 10_000,
    ...patch,
  });

  beforeEach(() => {
    store = openInMemoryStore();
    alice = addUser(store, 'alice');
  });
  afterEach(() => {
    store.close();
  });

  it('stores a token by hash and finds it again', () => {
    const inserted = store.refreshTokens.insert(token({}));
    expect(inserted).toEqual({
      id: expect.any(String),
      familyId: 'family-1',
      userId: alice,
      createdAt: 1000,
      expiresAt: 10_000,
      usedAt: null,
      revokedAt: null,
    });
    expect(store.refreshTokens.findByHash('hash-1')).toEqual(inserted);
    expect(store.refreshTokens.findByHash('hash-2')).toBeUndefined();
  });

  it('marks a token used only once', () => {
    const { id } = store.refreshTokens.insert(token({}));
    expect(store.refreshTokens.markUsed(id, 2000)).toBe(true);
    expect(store.refreshTokens.markUsed(id, 3000)).toBe(false);
    expect(store.refreshTokens.findByHash('hash-1')?.usedAt).toBe(2000);
  });

  it('does not mark a revoked token used', () => {
    const { id } = store.refreshTokens.insert(token({}));
    store.refreshTokens.revokeFamily('family-1', 1500);
    expect(store.refreshTokens.markUsed(id, 2000)).toBe(false);
  });

  it('revokes a whole family and nothing else', () => {
    store.refreshTokens.insert(token({}));
    store.refreshTokens.insert(token({ tokenHash: 'hash-2' }));
    store.refreshTokens.insert(token({ familyId: 'family-2', tokenHash: 'hash-3' }));
    expect(store.refreshTokens.revokeFamily('family-1', 5000)).toBe(2);
    expect(store.refreshTokens.revokeFamily('family-1', 6000)).toBe(0);
    expect(store.refreshTokens.findByHash('hash-2')?.revokedAt).toBe(5000);
    expect(store.refreshTokens.findByHash('hash-3')?.revokedAt).toBeNull();
  });

  it("revokes every family of one user and no one else's", () => {
    const bob = addUser(store, 'bob');
    store.refreshTokens.insert(token({}));
    store.refreshTokens.insert(token({ familyId: 'family-2', tokenHash: 'hash-2' }));
    store.refreshTokens.insert(token({ familyId: 'family-3', userId: bob, tokenHash: 'hash-3' }));
    expect(store.refreshTokens.revokeAllForUser(alice, 5000)).toBe(2);
    expect(store.refreshTokens.findByHash('hash-3')?.revokedAt).toBeNull();
  });

  it('deletes expired tokens only', () => {
    store.refreshTokens.insert(token({ expiresAt: 5000 }));
    store.refreshTokens.insert(token({ tokenHash: 'hash-2', expiresAt: 5001 }));
    expect(store.refreshTokens.deleteExpired(5000)).toBe(1);
    expect(store.refreshTokens.findByHash('hash-1')).toBeUndefined();
    expect(store.refreshTokens.findByHash('hash-2')).toBeDefined();
  });

  it('rolls a store transaction back when it throws', () => {
    expect(() =>
      store.transaction(() => {
        store.refreshTokens.insert(token({}));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(store.refreshTokens.findByHash('hash-1')).toBeUndefined();
  });
});

describe('RefreshTokenRepository across two connections to one file', () => {
  it('lets only one of two connections mark the same token used', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-store-'));
    const one = openStore(dir);
    const two = openStore(dir);
    try {
      const userId = addUser(one, 'alice');
      const { id } = one.refreshTokens.insert({
        familyId: 'f',
        userId,
        tokenHash: 'h',
        createdAt: 0,
        expiresAt: 10_000,
      });
      // Both connections see an unused token, as two gateway processes would before either writes.
      expect(one.refreshTokens.findByHash('h')?.usedAt).toBeNull();
      expect(two.refreshTokens.findByHash('h')?.usedAt).toBeNull();
      expect([two.refreshTokens.markUsed(id, 1), one.refreshTokens.markUsed(id, 2)]).toEqual([true, false]);
      expect(one.refreshTokens.findByHash('h')?.usedAt).toBe(1);
    } finally {
      one.close();
      two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
