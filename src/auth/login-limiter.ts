import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';

/** The part of `AuthConfig` the limiter reads. */
export interface LoginLimits {
  readonly loginMaxAttemptsPerUsername: number;
  readonly loginMaxAttemptsPerAddress: number;
  readonly loginWindowSeconds: number;
}

/** Usernames are attacker-chosen: cap the key length so that the limiter's memory per key is bounded. */
const MAX_KEY_LENGTH = 128;

const usernameKey = (username: string): string => username.toLowerCase().slice(0, MAX_KEY_LENGTH);
const addressKey = (address: string): string => address.slice(0, MAX_KEY_LENGTH);

/**
 * Limits failed logins per username (against guessing one account's password from many addresses) and per client
 * address (against trying many accounts from one address), each over a fixed window. In memory: per process, and
 * reset by a restart.
 *
 * A point is taken *before* the password is checked ({@link reserve}) and given back on success
 * ({@link succeeded}). Checking first and counting after would let a burst of parallel guesses all pass the check
 * while their slow password hashes run; taking the point first makes the limit exact. The net effect is the
 * intended one: failures consume points, a success clears the username's counter.
 *
 * rate-limiter-flexible reads `Date.now()` itself, so tests drive its window with jest's fake timers.
 */
export class LoginLimiter {
  private readonly byUsername: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(limits: LoginLimits) {
    const duration = limits.loginWindowSeconds;
    this.byUsername = new RateLimiterMemory({
      keyPrefix: 'login-user',
      points: limits.loginMaxAttemptsPerUsername,
      duration,
    });
    this.byAddress = new RateLimiterMemory({
      keyPrefix: 'login-addr',
      points: limits.loginMaxAttemptsPerAddress,
      duration,
    });
  }

  /**
   * Takes one attempt from both counters, or refuses the attempt.
   * @throws GatewayError RATE_LIMITED with `retryAfterSeconds` when either counter is exhausted.
   */
  async reserve(username: string, address: string): Promise<void> {
    const user = usernameKey(username);
    const addr = addressKey(address);
    // Look first, so that an attempt refused by one counter does not also use up the other.
    const [userNow, addrNow] = await Promise.all([this.byUsername.get(user), this.byAddress.get(addr)]);
    const exhausted = [
      userNow !== null && userNow.consumedPoints >= this.byUsername.points ? userNow : undefined,
      addrNow !== null && addrNow.consumedPoints >= this.byAddress.points ? addrNow : undefined,
    ].filter((res): res is RateLimiterRes => res !== undefined);
    if (exhausted.length > 0) throw limited(exhausted);
    const outcomes = await Promise.allSettled([this.byUsername.consume(user), this.byAddress.consume(addr)]);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (refused.length === 0) return;
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error only on store failure.
    const results = refused.filter((reason): reason is RateLimiterRes => reason instanceof RateLimiterRes);
    if (results.length < refused.length) throw refused.find((reason) => !(reason instanceof RateLimiterRes));
    throw limited(results);
  }

  /** A correct password: clears the username's failures and returns the address's point. */
  async succeeded(username: string, address: string): Promise<void> {
    await Promise.all([this.byUsername.delete(usernameKey(username)), this.byAddress.reward(addressKey(address), 1)]);
  }
}

function limited(results: readonly RateLimiterRes[]): GatewayError {
  const waitMs = Math.max(...results.map((res) => res.msBeforeNext));
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError(
    ErrorCode.RATE_LIMITED,
    `Too many login attempts. Try again in ${retryAfterSeconds} seconds.`,
    {
      retryAfterSeconds,
    },
  );
}
