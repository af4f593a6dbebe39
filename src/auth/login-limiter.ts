import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';

/** The part of `AuthConfig` the limiter reads. */
export interface LoginLimits {
  /** Failures for one username from one address per window; then that pair (only) is refused for the window. */
  readonly loginMaxAttemptsPerUsernameAndAddress: number;
  /** Failures from one address across usernames per window (credential stuffing); then the address is refused. */
  readonly loginMaxAttemptsPerAddress: number;
  /** Failures for one username from all addresses before each further attempt must wait (slowing, not locking). */
  readonly loginMaxAttemptsPerUsername: number;
  /** The cap of that wait, which doubles from one second with each further failure. */
  readonly loginMaxDelaySeconds: number;
  readonly loginWindowSeconds: number;
}

/** Usernames are attacker-chosen: cap the key length so that the limiter's memory per key is bounded. */
const MAX_KEY_LENGTH = 128;

const usernameKey = (username: string): string => username.toLowerCase().slice(0, MAX_KEY_LENGTH);
const addressKey = (address: string): string => address.slice(0, MAX_KEY_LENGTH);

/** A username's failures from every address, and when its next attempt may run. */
interface UsernameState {
  failures: number;
  lastFailureAt: number;
  nextAttemptAt: number;
}

/**
 * Limits failed logins three ways (OWASP Authentication Cheat Sheet: protect accounts without letting anyone lock
 * them):
 *
 * - per username *and* address, over a fixed window: the lockout, but only of the address that failed, so that an
 *   attacker elsewhere cannot lock the real user out;
 * - per address across usernames, over a fixed window: against credential stuffing from one address;
 * - per username across addresses: against guessing from many addresses. Past the threshold this slows instead of
 *   locking: each further attempt must wait 1, 2, 4... seconds (capped) after the previous one, so an attacker gets
 *   about one guess per `loginMaxDelaySeconds` while the real user waits at most that long. Forgotten a window
 *   after the last failure, so a sustained attack never resets it.
 *
 * In memory: per process, and reset by a restart. {@link unlock} (the admin's `unlockLogin`) clears a username's
 * first and third limits.
 *
 * A point is taken *before* the password is checked ({@link reserve}) and given back on success
 * ({@link succeeded}). Checking first and counting after would let a burst of parallel guesses all pass the check
 * while their slow password hashes run; taking the point first makes the limits exact. The net effect is the
 * intended one: failures consume points, a success clears the username's counters.
 *
 * rate-limiter-flexible reads `Date.now()` itself, and `clock` defaults to it, so tests drive the windows with jest's
 * fake timers.
 */
export class LoginLimiter {
  private readonly byUsernameAndAddress: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;
  /** In order of last update, hence of expiry: swept from the front. */
  private readonly byUsername = new Map<string, UsernameState>();
  /** Bumped by {@link unlock}: part of the username-and-address key, so that an unlock forgets every address. */
  private readonly generations = new Map<string, number>();
  private readonly windowMs: number;

  constructor(
    private readonly limits: LoginLimits,
    private readonly clock: () => number = () => Date.now(),
  ) {
    const duration = limits.loginWindowSeconds;
    this.windowMs = duration * 1000;
    this.byUsernameAndAddress = new RateLimiterMemory({
      keyPrefix: 'login-user-addr',
      points: limits.loginMaxAttemptsPerUsernameAndAddress,
      duration,
    });
    this.byAddress = new RateLimiterMemory({
      keyPrefix: 'login-addr',
      points: limits.loginMaxAttemptsPerAddress,
      duration,
    });
  }

  /**
   * Takes one attempt from every counter, or refuses the attempt.
   * @throws GatewayError RATE_LIMITED with `retryAfterSeconds` when a counter is exhausted or the username must wait.
   */
  async reserve(username: string, address: string): Promise<void> {
    const user = usernameKey(username);
    const addr = addressKey(address);
    const pair = this.pairKey(user, addr);
    // Look first, so that an attempt refused by one counter does not also use up another.
    const early = this.usernameWaitMs(user);
    if (early > 0) throw limited([early]);
    const [pairNow, addrNow] = await Promise.all([this.byUsernameAndAddress.get(pair), this.byAddress.get(addr)]);
    const exhausted = [
      pairNow !== null && pairNow.consumedPoints >= this.byUsernameAndAddress.points ? pairNow : undefined,
      addrNow !== null && addrNow.consumedPoints >= this.byAddress.points ? addrNow : undefined,
    ].filter((res): res is RateLimiterRes => res !== undefined);
    if (exhausted.length > 0) throw limited(exhausted.map((res) => res.msBeforeNext));
    const outcomes = await Promise.allSettled([this.byUsernameAndAddress.consume(pair), this.byAddress.consume(addr)]);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    // Checked and taken in one synchronous step after the last await: of parallel attempts, one wins the slot.
    const wait = refused.length === 0 ? this.takeUsernameAttempt(user) : 0;
    if (refused.length === 0 && wait === 0) return;
    // Refused somewhere: give back the points this attempt took elsewhere.
    await Promise.all([
      outcomes[0].status === 'fulfilled' ? this.byUsernameAndAddress.reward(pair, 1) : undefined,
      outcomes[1].status === 'fulfilled' ? this.byAddress.reward(addr, 1) : undefined,
    ]);
    if (refused.length === 0) throw limited([wait]);
    // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error only on store failure.
    const results = refused.filter((reason): reason is RateLimiterRes => reason instanceof RateLimiterRes);
    if (results.length < refused.length) throw refused.find((reason) => !(reason instanceof RateLimiterRes));
    throw limited(results.map((res) => res.msBeforeNext));
  }

  /** A correct password: clears the username's counters (from this address and overall), returns the address's point. */
  async succeeded(username: string, address: string): Promise<void> {
    const user = usernameKey(username);
    this.byUsername.delete(user);
    await Promise.all([
      this.byUsernameAndAddress.delete(this.pairKey(user, addressKey(address))),
      this.byAddress.reward(addressKey(address), 1),
    ]);
  }

  /**
   * An administrator's unlock: forgets the username's failures from every address and its slow-down. Per-address
   * limits stay: they restrict an address, not an account.
   */
  unlock(username: string): void {
    const user = usernameKey(username);
    this.byUsername.delete(user);
    this.generations.set(user, (this.generations.get(user) ?? 0) + 1);
  }

  private pairKey(user: string, addr: string): string {
    return `${this.generations.get(user) ?? 0}\n${user}\n${addr}`;
  }

  /** The live state of a username, after dropping every state a window old. */
  private usernameState(user: string, now: number): UsernameState | undefined {
    for (const [key, state] of this.byUsername) {
      if (state.lastFailureAt + this.windowMs > now) break;
      this.byUsername.delete(key);
    }
    return this.byUsername.get(user);
  }

  private usernameWaitMs(user: string): number {
    const now = this.clock();
    const state = this.usernameState(user, now);
    return state === undefined ? 0 : Math.max(0, state.nextAttemptAt - now);
  }

  /** Counts an attempt for the username, or returns how long it must wait (then counting nothing). */
  private takeUsernameAttempt(user: string): number {
    const now = this.clock();
    const state = this.usernameState(user, now) ?? { failures: 0, lastFailureAt: now, nextAttemptAt: now };
    if (state.nextAttemptAt > now) return state.nextAttemptAt - now;
    state.failures += 1;
    state.lastFailureAt = now;
    const excess = state.failures - this.limits.loginMaxAttemptsPerUsername;
    if (excess >= 0) {
      const delaySeconds = Math.min(this.limits.loginMaxDelaySeconds, 2 ** Math.min(excess, 30));
      state.nextAttemptAt = now + delaySeconds * 1000;
    }
    // Re-inserted at the end, so that the map stays in order of expiry.
    this.byUsername.delete(user);
    this.byUsername.set(user, state);
    return 0;
  }
}

function limited(waitsMs: readonly number[]): GatewayError {
  const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(...waitsMs) / 1000));
  return new GatewayError(
    ErrorCode.RATE_LIMITED,
    `Too many login attempts. Try again in ${retryAfterSeconds} seconds.`,
    {
      retryAfterSeconds,
    },
  );
}
