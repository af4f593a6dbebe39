import { ErrorCode } from '../../../src/errors/error-code';
import { GatewayError } from '../../../src/errors/gateway-error';
import { LoginLimiter } from '../../../src/auth/login-limiter';

const limits = { loginMaxAttemptsPerUsername: 3, loginMaxAttemptsPerAddress: 5, loginWindowSeconds: 60 };

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
    // rate-limiter-flexible reads Date.now() and uses timers: fake both to move through the window.
    jest.useFakeTimers({ now: Date.UTC(2025, 0, 1) });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('allows loginMaxAttemptsPerUsername failures per username, then refuses with retryAfterSeconds', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', `10.0.0.${i}`);
    jest.advanceTimersByTime(20_000);
    const error = await refusal(limiter.reserve('alice', '10.0.0.99'));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details).toEqual({ retryAfterSeconds: 40 });
    expect(error.message).toBe('Too many login attempts. Try again in 40 seconds.');
  });

  it('counts usernames case-insensitively', async () => {
    const limiter = new LoginLimiter(limits);
    for (const name of ['Alice', 'ALICE', 'alice']) await limiter.reserve(name, '10.0.0.1');
    await expect(limiter.reserve('aLiCe', '10.0.0.2')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(limiter.reserve('bob', '10.0.0.2')).resolves.toBeUndefined();
  });

  it('allows loginMaxAttemptsPerAddress attempts per address across usernames, then refuses', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 5; i += 1) await limiter.reserve(`user${i}`, '10.0.0.1');
    const error = await refusal(limiter.reserve('someone-new', '10.0.0.1'));
    expect(error.code).toBe(ErrorCode.RATE_LIMITED);
    expect(error.details.retryAfterSeconds).toBe(60);
    await expect(limiter.reserve('someone-new', '10.0.0.2')).resolves.toBeUndefined();
  });

  it('lets attempts through again once the window has passed', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i += 1) await limiter.reserve('alice', '10.0.0.1');
    await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    jest.advanceTimersByTime(60_001);
    await expect(limiter.reserve('alice', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('a success clears the username counter and gives the address its point back', async () => {
    const limiter = new LoginLimiter({ ...limits, loginMaxAttemptsPerAddress: 3 });
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.reserve('alice', '10.0.0.1');
    await limiter.succeeded('alice', '10.0.0.1');
    // Username counter empty again; the address has 1 point left (2 failures + the refunded success).
    await expect(limiter.reserve('alice', '10.0.0.1')).resolves.toBeUndefined();
    await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it('does not use up the address counter for an attempt refused by the username counter', async () => {
    const limiter = new LoginLimiter({ ...limits, loginMaxAttemptsPerUsername: 1, loginMaxAttemptsPerAddress: 2 });
    await limiter.reserve('alice', '10.0.0.1');
    for (let i = 0; i < 5; i += 1)
      await expect(limiter.reserve('alice', '10.0.0.1')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await expect(limiter.reserve('bob', '10.0.0.1')).resolves.toBeUndefined();
  });

  it('holds the limit exactly under a burst of parallel attempts', async () => {
    const limiter = new LoginLimiter(limits);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.reserve('alice', '10.0.0.1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
  });
});
