import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters: CPU/memory cost `N` (a power of two), block size `r`, parallelism `p`. */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP's recommended minimum for scrypt: 2^15 × 8 × 128 B = 32 MiB and tens of milliseconds per hash. */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds on parameters read back from a stored hash, so that a tampered row cannot ask for gigabytes. */
const MAX = { N: 2 ** 20, r: 32, p: 16 } as const;
const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,128})$/;

/** A stored hash, taken apart. */
export interface ParsedPasswordHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function costProblem({ N, r, p }: ScryptCost): string | undefined {
  if (!Number.isInteger(N) || N < 2 || N > MAX.N || (N & (N - 1)) !== 0)
    return `N must be a power of two in [2, ${MAX.N}]`;
  if (!Number.isInteger(r) || r < 1 || r > MAX.r) return `r must be an integer in [1, ${MAX.r}]`;
  if (!Number.isInteger(p) || p < 1 || p > MAX.p) return `p must be an integer in [1, ${MAX.p}]`;
  return undefined;
}

/**
 * Memory scrypt needs (OpenSSL's own formula, 128·r·(N + p + 2) bytes) plus slack. Node's default `maxmem` (32 MiB)
 * is exactly the default cost's V array and would refuse it.
 */
export function scryptMaxmem({ N, r, p }: ScryptCost): number {
  return 128 * r * (N + p + 2) + 1024 * 1024;
}

/** Parses `scrypt$N$r$p$salt$hash` (base64url parts); `undefined` when malformed or out of bounds. */
export function parsePasswordHash(encoded: string): ParsedPasswordHash | undefined {
  const match = FORMAT.exec(encoded);
  if (match === null) return undefined;
  const [, n, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (costProblem(cost) !== undefined) return undefined;
  return { cost, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

function derive(password: string, salt: Buffer, length: number, cost: ScryptCost): Promise<Buffer> {
  // NFKC, as NIST SP 800-63B asks: the same password typed on two keyboards may arrive as different code points.
  const normalized = password.normalize('NFKC');
  return new Promise((resolve, reject) => {
    scrypt(normalized, salt, length, { ...cost, maxmem: scryptMaxmem(cost) }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/**
 * Memory-hard password hashing with node's scrypt, on the libuv thread pool (never blocking the event loop).
 * Hashes are self-describing, so the cost can be raised later without invalidating stored ones.
 */
export class PasswordHasher {
  readonly cost: ScryptCost;

  /** @param cost defaults to {@link DEFAULT_SCRYPT_COST}; tests pass a cheap one (e.g. N = 2^10). */
  constructor(cost: ScryptCost = DEFAULT_SCRYPT_COST) {
    const problem = costProblem(cost);
    if (problem !== undefined) throw new Error(`invalid scrypt cost: ${problem}`);
    this.cost = Object.freeze({ N: cost.N, r: cost.r, p: cost.p });
  }

  /** `scrypt$N$r$p$salt$hash` with a fresh 16-byte salt and a 32-byte key. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, KEY_BYTES, this.cost);
    const { N, r, p } = this.cost;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /**
   * Whether `password` matches `encoded`, using the parameters written in `encoded`. The comparison is
   * constant-time. A malformed hash never matches, and still costs one derivation so that it is not faster.
   */
  async verify(password: string, encoded: string): Promise<boolean> {
    const parsed = parsePasswordHash(encoded);
    if (parsed === undefined) return this.dummyVerify(password);
    const key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
    return timingSafeEqual(key, parsed.key);
  }

  /**
   * Spends what {@link verify} spends with this hasher's cost, and returns `false`: used when the username is
   * unknown, so that response times do not tell which usernames exist.
   */
  async dummyVerify(password: string): Promise<false> {
    await derive(password, randomBytes(SALT_BYTES), KEY_BYTES, this.cost);
    return false;
  }
}
