import { Role } from '../../../src/auth/role';
import { openInMemoryStore, type Store } from '../../../src/store/store';
import type { NewUser } from '../../../src/auth/account-store';

const alice: NewUser = {
  username: 'Alice',
  passwordHash: 'scrypt$hash-a',
  role: Role.PREDICTOR,
  createdAt: 1000,
  createdBy: 'user:admin',
};

describe('UserRepository', () => {
  let store: Store;
  beforeEach(() => {
    store = openInMemoryStore();
  });
  afterEach(() => {
    store.close();
  });

  it('creates a user with a random UUID and finds it by id and by username, case-insensitively', () => {
    const created = store.users.create(alice);
    if (created.status !== 'created') throw new Error('not created');
    expect(created.user).toEqual({
      ...alice,
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
    expect(store.users.findById(created.user.id)).toEqual(created.user);
    expect(store.users.findByUsername('alice')).toEqual(created.user);
    expect(store.users.findByUsername('ALICE')?.username).toBe('Alice');
    expect(store.users.findByUsername('bob')).toBeUndefined();
    expect(store.users.findById('no-such-id')).toBeUndefined();
  });

  it('reports a duplicate username, in any case, as a result rather than an exception', () => {
    expect(store.users.create(alice).status).toBe('created');
    expect(store.users.create({ ...alice, username: 'aLICE' })).toEqual({ status: 'duplicate' });
    expect(store.users.count()).toBe(1);
  });

  it('lists by username and counts, overall and per role', () => {
    store.users.create({ ...alice, username: 'carol', role: Role.ADMIN });
    store.users.create(alice);
    store.users.create({ ...alice, username: 'bob', role: Role.ADMIN });
    expect(store.users.list().map((u) => u.username)).toEqual(['Alice', 'bob', 'carol']);
    expect(store.users.count()).toBe(3);
    expect(store.users.countByRole(Role.ADMIN)).toBe(2);
    expect(store.users.countByRole(Role.VIEWER)).toBe(0);
  });

  it('deletes by username, case-insensitively, and says whether there was one', () => {
    store.users.create(alice);
    expect(store.users.delete('ALICE')).toBe(true);
    expect(store.users.delete('alice')).toBe(false);
    expect(store.users.count()).toBe(0);
  });

  it('deleting a user deletes their refresh tokens (ON DELETE CASCADE)', () => {
    const created = store.users.create(alice);
    if (created.status !== 'created') throw new Error('not created');
    store.refreshTokens.insert({
      familyId: 'f',
      userId: created.user.id,
      tokenHash: 'h1',
      createdAt: 1,
      expiresAt: 10,
    });
    store.users.delete('alice');
    expect(store.refreshTokens.findByHash('h1')).toBeUndefined();
  });

  it('refuses a refresh token for a user that does not exist (foreign key)', () => {
    expect(() =>
      store.refreshTokens.insert({ familyId: 'f', userId: 'ghost', tokenHash: 'h', createdAt: 1, expiresAt: 2 }),
    ).toThrow(/FOREIGN KEY/);
  });

  it('changes a role', () => {
    const created = store.users.create(alice);
    if (created.status !== 'created') throw new Error('not created');
    expect(store.users.updateRole(created.user.id, Role.VIEWER)).toBe(true);
    expect(store.users.findById(created.user.id)?.role).toBe(Role.VIEWER);
    expect(store.users.updateRole('ghost', Role.VIEWER)).toBe(false);
  });
});
