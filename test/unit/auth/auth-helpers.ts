import pino, { type Logger } from 'pino';
import type { AuthConfig } from '../../../src/config/config';
import { AuthService } from '../../../src/auth/auth.service';
import { LoginLimiter } from '../../../src/auth/login-limiter';
import { PasswordHasher, type ScryptCost } from '../../../src/auth/password-hasher';
import type { Principal } from '../../../src/auth/principal';
import { Role } from '../../../src/auth/role';
import { GatewayError } from '../../../src/errors/gateway-error';
import { openInMemoryDatabase, type Database } from '../../../src/store/database';
import { createStore, type Store } from '../../../src/store/store';

/** scrypt at 2^10: the same code path as production at a thirty-second of the cost. */
export const FAST_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };

export const SECRET = 'unit-test-secret-of-more-than-32-bytes';

/** A non-trivial epoch (jsonwebtoken treats `iat: 0` as absent). */
export const T0 = Date.UTC(2025, 0, 1);

export const CONFIG: AuthConfig & { jwtSecret: string } = Object.freeze({
  jwtSecret: SECRET,
  issuer: 'infergraph',
  audience: 'infergraph-api',
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 3600,
  clockToleranceSeconds: 5,
  adminUsername: 'admin',
  adminPassword: null,
  loginMaxAttemptsPerUsernameAndAddress: 3,
  loginMaxAttemptsPerAddress: 10,
  loginMaxAttemptsPerUsername: 6,
  loginMaxDelaySeconds: 8,
  loginWindowSeconds: 60,
});

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const USER_PASSWORD = 'violet-Lantern-42-orbit';

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public now: number = T0) {}
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/** A hasher that counts how often it verified, real or dummy. */
export class CountingHasher extends PasswordHasher {
  verifications = 0;
  dummies = 0;
  override verify(password: string, encoded: string): Promise<boolean> {
    this.verifications += 1;
    return super.verify(password, encoded);
  }
  override dummyVerify(password: string): Promise<false> {
    this.dummies += 1;
    return super.dummyVerify(password);
  }
}

export interface AuthFixture {
  readonly service: AuthService;
  /** The whole store: the service sees only its AccountStore part; tests use the rest to arrange rows (roles). */
  readonly store: Store;
  /** The raw connection under `store`, to look at what is really stored. */
  readonly db: Database;
  readonly clock: FakeClock;
  readonly hasher: CountingHasher;
  /** The first administrator, as a principal. */
  readonly admin: Principal;
}

/** An AuthService over an in-memory store, with an `admin` created through `ensureAdmin`. */
export async function authFixture(
  config: Partial<AuthConfig & { jwtSecret: string }> = {},
  logger: Logger = pino({ level: 'silent' }),
): Promise<AuthFixture> {
  const db = openInMemoryDatabase();
  const store = createStore(db);
  const clock = new FakeClock();
  const hasher = new CountingHasher(FAST_COST);
  const full = { ...CONFIG, ...config };
  const limiter = new LoginLimiter(full, clock.read);
  const service = new AuthService({ store, config: full, hasher, limiter, clock: clock.read, logger });
  await service.ensureAdmin('admin', ADMIN_PASSWORD);
  const user = store.users.findByUsername('admin');
  if (user === undefined) throw new Error('fixture: admin missing');
  hasher.verifications = 0;
  hasher.dummies = 0;
  return {
    service,
    store,
    db,
    clock,
    hasher,
    admin: { kind: 'user', id: user.id, name: user.username, role: Role.ADMIN },
  };
}

/** Decodes a JWT's payload without checking anything (for assertions only). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Every row of every table, as one JSON string: to prove a secret is stored nowhere. */
export function dumpTables(db: Database): string {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  return JSON.stringify(tables.map(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all()));
}

/** The GatewayError a promise or function fails with (fails the test if it succeeds or throws something else). */
export async function failure(action: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a failure, got success');
}
