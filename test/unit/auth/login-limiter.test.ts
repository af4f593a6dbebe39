import { ErrorCode } from '../../../src/errors/error-code';
import { GatewayError } from '../../../src/errors/gateway-error';
import { LoginLimiter } from '../../../src/auth/login-limiter';

const limits = {
  loginMaxAttemptsPerUsernameAndAddress: 3,
  loginMaxAttemptsPerAddress: 5,
  loginMaxAttemptsPerUsername: 6,
  loginMaxDelaySeconds: 8,
  loginWindowSeconds: 60,
};

async function refusal(attempt: Promise<unknown>): Promise<GatewayError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('LoginLimiter', () => {
  beforeEach(() => {
    // rate-limiter-flexible reads Date.now() and uses timers, and so does the limiter's default clock: fake both.
    jest.useFakeTimers({ now: Date.UTC(2025, 0, 1) });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('allows loginMaxAttemptsPerUsernameAndAddress failures per username from one address, then refuses with retryAfterSeconds', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', '10.0.0.1');
    jest.advanceTimersByTime(20_000);
    const error = await refusal(limiter.reserve('alice', '10.0.0.1'));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details).toEqual({ retryAfterSeconds: 40 });
    expect(error.message).toBe('Too many login attempts. Try again in 40 seconds.');
  });

  it('an attacker address failing for a user does not block that user from another address', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', '203.0.113.66');
    for (let i = 0; i < 10; i += 1)
      await expect(limiter.reserve('alice', '203.0.113.66')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    // The real user, elsewhere, with the right password.
    await expect(limiter.reserve('alice', '198.51.100.7')).resolves.toBeUndefined();
    await limiter.succeeded('alice', '198.51.100.7');
    // The attacker's address stays throttled for alice.
    await expect(limiter.reserve('alice', '203.0.113.66')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it('counts usernames case-insensitively', async () => {
    const limiter = new LoginLimiter(limits);
    for (const name of ['Alice', 'ALICE', 'alice']) await limiter.reserve(name, '10.0.0.1');
    await expect(limiter.reserve('aLiCe', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(limiter.reserve('bob', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('throttles credential stuffing: loginMaxAttemptsPerAddress attempts per address across usernames, then refuses', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 5; i += 1) await limiter.reserve(`user${i}`, '10.0.0.1');
    const error = await refusal(limiter.reserve('someone-new', '10.0.0.1'));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details.retryAfterSeconds).toBe(60);
    await expect(limiter.reserve('someone-new', '10.0.0.2')).resolves.toBeUndefined();
  });

  it('slows a username failing from many addresses with doubling delays capped at loginMaxDelaySeconds, never locking it', async () => {
    const limiter = new LoginLimiter(limits);
    // Six failures from six addresses: the threshold. From now on each attempt waits 1, 2, 4, 8, 8... seconds.
    for (let i = 0; i < 6; i += 1) await limiter.reserve('alice', `10.0.1.${i}`);
    const waits: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const error = await refusal(limiter.reserve('alice', `10.0.2.${i}`));
      expect(error.code).toBe(ErrorCode.RATE_LIMITED);
      const wait = Number(error.details.retryAfterSeconds);
      waits.push(wait);
      jest.advanceTimersByTime(wait * 1000);
      await limiter.reserve('alice', `10.0.3.${i}`);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
    // Once the wait is over, the right password from a fresh address gets through, and clears the slow-down.
    jest.advanceTimersByTime(8000);
    await expect(limiter.reserve('alice', '198.51.100.7')).resolves.toBeUndefined();
    await limiter.succeeded('alice', '198.51.100.7');
    await expect(limiter.reserve('alice', '10.0.9.9')).resolves.toBeUndefined();
  });

  it('forgets a username slow-down loginWindowSeconds after its last failure', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 8; i += 1) {
      await limiter.reserve('alice', `10.0.1.${i}`);
      jest.advanceTimersByTime(10_000);
    }
    await expect(limiter.reserve('alice', '10.0.2.1')).resolves.toBeUndefined();
    jest.advanceTimersByTime(60_001);
    // The counter starts again from zero: six free attempts before the next delay.
    for (let i = 0; i < 6; i += 1) await limiter.reserve('alice', `10.0.3.${i}`);
    await expect(limiter.reserve('alice', '10.0.4.1')).rejects.toMatchObject({ details: { retryAfterSeconds: 1 } });
  });

  it('holds the slow-down exactly under a burst of parallel attempts from many addresses', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 6; i += 1) await limiter.reserve('alice', `10.0.1.${i}`);
    jest.advanceTimersByTime(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => limiter.reserve('alice', `10.0.2.${i}`)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('unlock clears a username throttle from every address and its slow-down, but not address limits', async () => {
    const limiter = new LoginLimiter({ ...limits, loginMaxAttemptsPerAddress: 4 });
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', '10.0.0.1');
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', `10.0.1.${i}`);
    await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(limiter.reserve('alice', '10.0.2.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    limiter.unlock('ALICE');
    await expect(limiter.reserve('alice', '10.0.0.1')).resolves.toBeUndefined();
    await expect(limiter.reserve('alice', '10.0.2.1')).resolves.toBeUndefined();
    // 10.0.0.1 has now failed four times: its per-address limit is untouched by the unlock.
    await expect(limiter.reserve('bob', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it('lets attempts through again once the window has passed', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', '10.0.0.1');
    await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    jest.advanceTimersByTime(60_001);
    await expect(limiter.reserve('alice', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('a success clears the username counters and gives the address its point back', async () => {
    const limiter = new LoginLimiter({ ...limits, loginMaxAttemptsPerAddress: 3 });
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.succeeded('alice', '10.0.0.1');
    // Username counters empty again; the address has 1 point left (2 failures + the refunded success).
    await expect(limiter.reserve('alice', '10.0.0.1')).resolves.toBeUndefined();
    await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it('does not use up the address counter for an attempt refused by the username counters', async () => {
    const limiter = new LoginLimiter({
      ...limits,
      loginMaxAttemptsPerUsernameAndAddress: 1,
      loginMaxAttemptsPerAddress: 2,
    });
    await limiter.reserve('alice', '10.0.0.1');
    for (let i = 0; i < 5; i += 1)
      await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(limiter.reserve('bob', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('holds the limits exactly under a burst of parallel attempts', async () => {
    const limiter = new LoginLimiter(limits);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.reserve('alice', '10.0.0.1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
  });
});
