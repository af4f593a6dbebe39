/**
 * The watchdog and the lifecycle of {@link IsolatedBackend}, with runners whose runs, opens and ends the test holds
 * in its hands, and jest's fake clock. The real runners (a child process, a worker thread) run the backend contract
 * suite; a real model that never returns is in `test/integration/stuck-model.test.ts`.
 */
import type { Float64Tensor, InferenceSession } from '../../../src/inference/backend';
import { IsolatedBackend, SessionLostError, type Runner } from '../../../src/inference/isolated-backend';

const LIMIT_MS = 1_000;
const OUTPUT: Float64Tensor = { data: new Float64Array([0.25, 0.75]), dims: [1, 2] };
const INPUT: Float64Tensor = { data: new Float64Array(4), dims: [1, 4, 1] };

/** A promise and the hands that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A runner whose every run waits until the test answers it, and whose end the test may hold back. */
class HeldRunner implements Runner {
  readonly name = 'held runner';
  readonly maxRunsInFlight = 2;
  readonly runs: ReturnType<typeof deferred<Float64Tensor>>[] = [];
  killed = false;
  closed = false;
  /** When set, `close` waits for it (a worker thread that ends only once its run returns). */
  closing: Promise<void> | undefined;
  /** When set, `open` waits for it. */
  opening: Promise<void> | undefined;

  constructor(
    readonly crash: (exitCode: number) => void,
    readonly resident = 0,
  ) {}

  async open(): Promise<InferenceSession> {
    await this.opening;
    return {
      inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
      outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
      run: () => {
        const run = deferred<Float64Tensor>();
        this.runs.push(run);
        return run.promise;
      },
      release: async () => undefined,
    };
  }

  kill(): void {
    this.killed = true;
  }

  residentBytes(): number {
    return this.resident;
  }

  async close(): Promise<void> {
    await this.closing;
    this.closed = true;
  }
}

/** @param opening what every runner's `open` waits for */
function isolated(opening?: Promise<void>): { backend: IsolatedBackend; runners: HeldRunner[] } {
  const runners: HeldRunner[] = [];
  const backend = new IsolatedBackend({
    name: 'isolated held runners',
    start: (onCrash) => {
      const runner = new HeldRunner(onCrash, (runners.length + 1) * 1_000);
      runner.opening = opening;
      runners.push(runner);
      return runner;
    },
    runTimeoutMs: LIMIT_MS,
    openTimeoutMs: LIMIT_MS,
  });
  return { backend, runners };
}

/** How a promise has settled so far: its value, its error, or `pending`. */
async function settledYet<T>(promise: Promise<T>): Promise<T | Error | 'pending'> {
  const marker = Symbol('pending');
  const outcome = await Promise.race([
    promise.then(
      (value) => value,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    ),
    Promise.resolve().then(() => marker),
  ]);
  return outcome === marker ? 'pending' : (outcome as T | Error);
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('IsolatedBackend', () => {
  it('gives each session a runner of its own, so a run that never returns holds up no other session', async () => {
    const { backend, runners } = isolated();
    const [stuck, other] = await Promise.all([backend.open('a.onnx'), backend.open('b.onnx')]);
    expect(runners).toHaveLength(2);
    void stuck?.run(INPUT).catch(() => undefined);
    const answered = other?.run(INPUT);
    runners[1]?.runs[0]?.resolve(OUTPUT);
    await expect(answered).resolves.toEqual(OUTPUT);
    await backend.close();
  });

  it('loses a session whose run does not answer within the limit: its runs fail with why, its runner is killed', async () => {
    const { backend, runners } = isolated();
    const session = await backend.open('spin.onnx');
    const running = session.run(INPUT);
    await jest.advanceTimersByTimeAsync(LIMIT_MS - 1);
    expect(await settledYet(running)).toBe('pending');
    expect(runners[0]?.killed).toBe(false);

    await jest.advanceTimersByTimeAsync(1);
    const error = await settledYet(running);
    expect(error).toBeInstanceOf(SessionLostError);
    expect((error as Error).message).toBe(`a run did not finish within ${LIMIT_MS} ms, so its runner was stopped`);
    await expect(session.lost).resolves.toBe((error as Error).message);
    expect(runners[0]?.killed).toBe(true);
    await expect(session.run(INPUT)).rejects.toThrow(SessionLostError);
    // Nothing left to free: its runner is already ending.
    await expect(session.release()).resolves.toBeUndefined();
    await backend.close();
  });

  it('counts a busy session that keeps answering as alive: each answer restarts the count', async () => {
    const { backend, runners } = isolated();
    const session = await backend.open('slow.onnx');
    const runs = [session.run(INPUT), session.run(INPUT), session.run(INPUT)];
    for (let i = 0; i < runs.length; i += 1) {
      // Busy for three limits in all, but never a whole limit without an answer.
      await jest.advanceTimersByTimeAsync(LIMIT_MS - 100);
      runners[0]?.runs[i]?.resolve(OUTPUT);
    }
    await expect(Promise.all(runs)).resolves.toEqual([OUTPUT, OUTPUT, OUTPUT]);
    // Idle, it is never stuck, however long nothing is asked.
    await jest.advanceTimersByTimeAsync(10 * LIMIT_MS);
    expect(runners[0]?.killed).toBe(false);
    const later = session.run(INPUT);
    runners[0]?.runs[3]?.resolve(OUTPUT);
    await expect(later).resolves.toEqual(OUTPUT);
    await backend.close();
  });

  it('counts a stopped runner as stuck until it has ended (a worker thread ends only when its run returns)', async () => {
    const { backend, runners } = isolated();
    const session = await backend.open('spin.onnx');
    const runner = runners[0] as HeldRunner;
    const ended = deferred<void>();
    runner.closing = ended.promise;
    void session.run(INPUT).catch(() => undefined);
    await jest.advanceTimersByTimeAsync(LIMIT_MS);
    expect(backend.stuckRunners).toBe(1);
    // Closing the backend does not wait for it.
    await backend.close();
    expect(backend.stuckRunners).toBe(1);
    ended.resolve();
    await jest.advanceTimersByTimeAsync(0);
    expect(backend.stuckRunners).toBe(0);
    expect(runner.closed).toBe(true);
  });

  it('loses a session whose runner crashes, with the exit code', async () => {
    const { backend, runners } = isolated();
    const session = await backend.open('model.onnx');
    const running = session.run(INPUT);
    runners[0]?.crash(137);
    await expect(running).rejects.toThrow('its runner (held runner) exited unexpectedly (137)');
    await expect(session.lost).resolves.toMatch('exited unexpectedly (137)');
    await backend.close();
  });

  it('fails an open that does not finish within the limit and ends its runner', async () => {
    const never = deferred<void>();
    const { backend, runners } = isolated(never.promise);
    const opening = backend.open('huge.onnx').then(
      () => 'opened',
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(LIMIT_MS);
    const error = await opening;
    expect(error).toBeInstanceOf(SessionLostError);
    expect((error as Error).message).toBe(`opening the model did not finish within ${LIMIT_MS} ms`);
    expect(runners[0]?.killed).toBe(true);
    expect(runners[0]?.closed).toBe(true);
    await backend.close();
  });

  it("sums its runners' memory outside the process, and forgets a runner once its session is released", async () => {
    const { backend } = isolated();
    const first = await backend.open('a.onnx');
    await backend.open('b.onnx');
    expect(backend.residentBytesOutside()).toBe(1_000 + 2_000);
    await first.release();
    expect(backend.residentBytesOutside()).toBe(2_000);
    await backend.close();
    expect(backend.residentBytesOutside()).toBe(0);
    await expect(backend.open('c.onnx')).rejects.toThrow('closed');
  });
});
