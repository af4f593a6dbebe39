import crypto from 'node:crypto';
import {
  DEFAULT_SCRYPT_COST,
  parsePasswordHash,
  PasswordHasher,
  scryptMaxmem,
} from '../../../src/auth/password-hasher';
import { FAST_COST } from './auth-helpers';

const hasher = new PasswordHasher(FAST_COST);
const PASSWORD = 'violet-Lantern-42-orbit';

describe('PasswordHasher', () => {
  it('hashes to scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key, in base64url', async () => {
    const encoded = await hasher.hash(PASSWORD);
    expect(encoded).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const parsed = parsePasswordHash(encoded);
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
    expect(encoded).not.toContain(PASSWORD);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hasher.hash(PASSWORD);
    await expect(hasher.verify(PASSWORD, encoded)).resolves.toBe(true);
    await expect(hasher.verify('violet-Lantern-42-orbiT', encoded)).resolves.toBe(false);
    await expect(hasher.verify('', encoded)).resolves.toBe(false);
  });

  it('salts every hash: the same password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(a).not.toBe(b);
    await expect(hasher.verify(PASSWORD, b)).resolves.toBe(true);
  });

  it('verifies with the parameters written in the hash, not its own', async () => {
    const older = await new PasswordHasher({ N: 2 ** 11, r: 4, p: 2 }).hash(PASSWORD);
    expect(parsePasswordHash(older)?.cost).toEqual({ N: 2048, r: 4, p: 2 });
    await expect(hasher.verify(PASSWORD, older)).resolves.toBe(true);
    await expect(hasher.verify('not the password', older)).resolves.toBe(false);
  });

  it('treats canonically equivalent Unicode passwords as the same (NFKC)', async () => {
    const encoded = await hasher.hash('caf\u00e9-passphrase-long');
    await expect(hasher.verify('cafe\u0301-passphrase-long', encoded)).resolves.toBe(true);
  });

  it('never matches a malformed or out-of-bounds hash', async () => {
    const good = await hasher.hash(PASSWORD);
    const [, n, r, p, salt, key] = good.split('$') as [string, string, string, string, string, string];
    const bad = [
      '',
      'plain-text-password',
      `bcrypt$${n}$${r}$${p}$${salt}$${key}`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 21}$${r}$${p}$${salt}$${key}`, // N beyond the bound
      `scrypt$${n}$0$${p}$${salt}$${key}`,
      `scrypt$${n}$${r}$99$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}`,
      `scrypt$${n}$${r}$${p}$${salt}$${key}$extra`,
      `scrypt$${n}$${r}$${p}$sh0rt$${key}`,
    ];
    for (const encoded of bad) {
      expect(parsePasswordHash(encoded)).toBeUndefined();
      await expect(hasher.verify(PASSWORD, encoded)).resolves.toBe(false);
    }
  });

  it('dummyVerify runs one scrypt derivation with the same cost as verify, and answers false', async () => {
    const encoded = await hasher.hash(PASSWORD);
    const spy = jest.spyOn(crypto, 'scrypt');
    try {
      await expect(hasher.verify(PASSWORD, encoded)).resolves.toBe(true);
      await expect(hasher.dummyVerify(PASSWORD)).resolves.toBe(false);
      expect(spy).toHaveBeenCalledTimes(2);
      const [verifyCall, dummyCall] = spy.mock.calls.map(([, , keylen, options]) => ({ keylen, options }));
      expect(dummyCall).toEqual(verifyCall);
      expect(dummyCall?.options).toMatchObject({ N: 1024, r: 8, p: 1 });
    } finally {
      spy.mockRestore();
    }
  });

  it('defaults to N=2^15, r=8, p=1 and sets maxmem high enough for it', async () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 32768, r: 8, p: 1 });
    expect(new PasswordHasher().cost).toEqual(DEFAULT_SCRYPT_COST);
    // Node's default maxmem (32 MiB) would refuse the default cost.
    expect(scryptMaxmem(DEFAULT_SCRYPT_COST)).toBeGreaterThan(32 * 1024 * 1024);
    const encoded = await new PasswordHasher().hash(PASSWORD);
    expect(encoded.startsWith('scrypt$32768$8$1$')).toBe(true);
  });

  it('refuses invalid cost parameters at construction', () => {
    expect(() => new PasswordHasher({ N: 1000, r: 8, p: 1 })).toThrow(/power of two/);
    expect(() => new PasswordHasher({ N: 1024, r: 0, p: 1 })).toThrow(/r must/);
    expect(() => new PasswordHasher({ N: 1024, r: 8, p: 1.5 })).toThrow(/p must/);
  });
});
