import { DynamicBatcher, type DynamicBatcherOptions } from '../../../src/inference/dynamic-batcher';
import type { Float64Tensor } from '../../../src/inference/backend';
import { FakeClock } from '../../support/fake-clock';

const LEN = 2;

/** A model run the test finishes by hand; computes [sum, -sum] per sample once finished. */
interface HeldRun {
  readonly input: Float64Tensor;
  finish(): void;
  fail(error: Error): void;
}

function harness(options: Partial<DynamicBatcherOptions> = {}) {
  const clock = new FakeClock();
  const runs: HeldRun[] = [];
  const batcher = new DynamicBatcher({
    maxBatchSize: 4,
    maxDelayMs: 5,
    maxQueuedSamples: 100,
    sampleDims: [LEN],
    clock,
    run: (input) =>
      new Promise((resolve, reject) => {
        runs.push({
          input,
          fail: reject,
          finish: () => {
            const n = input.dims[0] ?? 0;
            const out = new Float64Array(n * 2);
            for (let i = 0; i < n; i += 1) {
              const sum = input.data[i * LEN]! + input.data[i * LEN + 1]!;
              out.set([sum, -sum], i * 2);
            }
            resolve({ data: out, dims: [n, 2] });
          },
        });
      }),
    ...options,
  });
  return { clock, runs, batcher };
}

/** `count` samples whose two values are `first + i` and 0, so each output row names its sample. */
const samples = (first: number, count: number): Float64Array =>
  Float64Array.from({ length: count * LEN }, (_, i) => (i % LEN === 0 ? first + i / LEN : 0));
const rows = (t: Float64Tensor): number[] => Array.from({ length: t.dims[0] ?? 0 }, (_, i) => t.data[i * 2] as number);
const settle = () => new Promise((r) => setImmediate(r));

describe('DynamicBatcher', () => {
  it('combines concurrent requests into one batch once the delay passes, and routes each its own rows', async () => {
    const { clock, runs, batcher } = harness();
    const a = batcher.submit(samples(10, 1), 1);
    const b = batcher.submit(samples(20, 2), 2);
    expect(runs).toHaveLength(0);
    clock.advance(4);
    expect(runs).toHaveLength(0);
    clock.advance(1);
    expect(runs.map((r) => r.input.dims)).toEqual([[3, LEN]]);
    runs[0]?.finish();
    expect(rows(await a)).toEqual([10]);
    expect(rows(await b)).toEqual([20, 21]);
    expect((await b).dims).toEqual([2, 2]);
  });

  it('starts a lone sample at once when no other request is on its way, and waits when one is', () => {
    let inFlight = 1;
    const { clock, runs, batcher } = harness({ onTheirWay: () => inFlight });
    void batcher.submit(samples(0, 1), 1);
    expect(runs.map((r) => r.input.dims[0])).toEqual([1]);
    runs[0]?.finish();
    const other = harness({ onTheirWay: () => inFlight });
    inFlight = 2; // a second request is still uploading
    void other.batcher.submit(samples(0, 1), 1);
    expect(other.runs).toHaveLength(0);
    other.clock.advance(5);
    expect(other.runs.map((r) => r.input.dims[0])).toEqual([1]);
    expect(clock.pending).toBe(0);
  });

  it('starts a full batch at once, without waiting for the delay', () => {
    const { clock, runs, batcher } = harness();
    void batcher.submit(samples(0, 2), 2);
    void batcher.submit(samples(0, 2), 2);
    expect(runs.map((r) => r.input.dims[0])).toEqual([4]);
    expect(clock.pending).toBe(0);
  });

  it('runs one batch at a time, forming the next from what arrives meanwhile and starting it when the first ends', async () => {
    const { runs, batcher } = harness();
    const first = batcher.submit(samples(0, 4), 4);
    const late = [batcher.submit(samples(100, 1), 1), batcher.submit(samples(200, 2), 2)];
    expect(runs).toHaveLength(1);
    runs[0]?.finish();
    await first;
    await settle();
    expect(runs.map((r) => r.input.dims[0])).toEqual([4, 3]);
    runs[1]?.finish();
    expect((await Promise.all(late)).map(rows)).toEqual([[100], [200, 201]]);
  });

  it('with two runs in flight, hands over a full batch while one runs but keeps a partial one until a run ends', async () => {
    const { clock, runs, batcher } = harness({ maxRunsInFlight: 2 });
    const first = batcher.submit(samples(0, 4), 4);
    const second = batcher.submit(samples(10, 4), 4);
    const third = batcher.submit(samples(20, 4), 4);
    const partial = batcher.submit(samples(30, 1), 1);
    clock.advance(100);
    expect(runs.map((r) => rows(r.input))).toEqual([
      [0, 1, 2, 3],
      [10, 11, 12, 13],
    ]); // two full batches, no third
    runs[1]?.finish(); // the second ends first: outputs still reach their own request
    expect(rows(await second)).toEqual([10, 11, 12, 13]);
    await settle();
    expect(runs.map((r) => r.input.dims[0])).toEqual([4, 4, 4]); // the full one goes, the lone sample still waits
    runs[0]?.finish();
    runs[2]?.finish();
    expect((await Promise.all([first, third])).map(rows)).toEqual([
      [0, 1, 2, 3],
      [20, 21, 22, 23],
    ]);
    await settle();
    expect(runs.map((r) => r.input.dims[0])).toEqual([4, 4, 4, 1]);
    runs[3]?.finish();
    expect(rows(await partial)).toEqual([30]);
  });

  it('tells each request when its first samples go into a batch, the end of its wait', async () => {
    const { clock, runs, batcher } = harness();
    const started: string[] = [];
    const a = batcher.submit(samples(0, 6), 6, Infinity, () => started.push(`a@${clock.now()}`));
    const b = batcher.submit(samples(100, 1), 1, Infinity, () => started.push(`b@${clock.now()}`));
    expect(started).toEqual(['a@0']); // a full batch of a's first 4 starts at once; b waits for the next
    clock.advance(3);
    runs[0]?.finish();
    await settle();
    expect(started).toEqual(['a@0', 'b@3']);
    runs[1]?.finish();
    expect([rows(await a), rows(await b)]).toEqual([[0, 1, 2, 3, 4, 5], [100]]);
    expect(started).toHaveLength(2); // once per request, not per batch
  });

  it('lets requests take turns, so a large upload cannot starve a small one', async () => {
    const { clock, runs, batcher } = harness();
    const large = batcher.submit(samples(0, 10), 10);
    const small = batcher.submit(samples(500, 1), 1);
    let smallDone = false;
    void small.then(() => (smallDone = true));
    clock.advance(0);
    runs[0]?.finish(); // large 0-3
    await settle();
    expect(runs[1]?.input.dims[0]).toBe(4);
    runs[1]?.finish(); // small, then large 4-6
    await settle();
    expect(smallDone).toBe(true);
    runs[2]?.finish(); // large 7-9
    expect(rows(await large)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rows(await small)).toEqual([500]);
    const firstValues = (input: Float64Tensor) =>
      Array.from({ length: input.dims[0] ?? 0 }, (_, i) => input.data[i * LEN]);
    expect(runs.map((r) => firstValues(r.input))).toEqual([
      [0, 1, 2, 3],
      [500, 4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it('hands a batch of one request to the model without copying it', () => {
    const { runs, batcher } = harness();
    const values = samples(0, 4);
    void batcher.submit(values, 4);
    expect(runs[0]?.input.data.buffer).toBe(values.buffer);
  });

  it('refuses samples beyond the queue bound with OVERLOADED and a retry hint, and keeps the others', async () => {
    const { runs, batcher } = harness({ maxQueuedSamples: 5 });
    const kept = batcher.submit(samples(0, 4), 4); // running: no longer queued
    const queued = batcher.submit(samples(10, 5), 5);
    expect(batcher.queued).toBe(5);
    expect(() => batcher.submit(samples(0, 1), 1)).toThrow(
      expect.objectContaining({ code: 'OVERLOADED', details: { retryAfterSeconds: 10 } }), // nothing measured yet
    );
    runs[0]?.finish();
    await kept;
    await settle();
    runs[1]?.finish();
    await settle();
    runs[2]?.finish();
    expect(rows(await queued)).toEqual([10, 11, 12, 13, 14]);
  });

  it('drops a request whose deadline passed before it reached a batch, with DEADLINE_EXCEEDED', async () => {
    const { clock, runs, batcher } = harness();
    const running = batcher.submit(samples(0, 4), 4);
    const expiring = batcher.submit(samples(50, 1), 1, 10);
    const patient = batcher.submit(samples(60, 1), 1, 1_000);
    clock.advance(20);
    runs[0]?.finish();
    await running;
    await expect(expiring).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await settle();
    expect(runs[1]?.input.dims[0]).toBe(1);
    runs[1]?.finish();
    expect(rows(await patient)).toEqual([60]);
  });

  it('fails only the requests of a batch whose run fails, and keeps serving', async () => {
    const { clock, runs, batcher } = harness();
    const failing = batcher.submit(samples(0, 4), 4);
    const next = batcher.submit(samples(7, 1), 1);
    runs[0]?.fail(new Error('kernel fault'));
    await expect(failing).rejects.toThrow('kernel fault');
    await settle();
    clock.advance(5);
    runs[1]?.finish();
    expect(rows(await next)).toEqual([7]);
  });
});

describe('DynamicBatcher retry hint', () => {
  /** Batches of 4, room for 20 waiting samples: a refused request of 3 has 20 + 3 = 23 samples to wait for. */
  const QUEUE = 20;
  type Busy = ReturnType<typeof harness> & { ended: number };

  /** Ends the oldest running batch `count` times, `msBetween` after the last, keeping the queue full behind them. */
  async function drain(h: Busy, msBetween: number, count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      h.clock.advance(msBetween);
      h.runs[h.ended]?.finish();
      h.ended += 1;
      await settle();
      fill(h);
    }
  }

  const fill = (h: ReturnType<typeof harness>): void => {
    while (h.batcher.queued + 4 <= QUEUE) void h.batcher.submit(samples(0, 4), 4);
  };

  /** A busy batcher: the queue full behind `inFlight` running batches. */
  function busy(inFlight = 1): Busy {
    const h = { ...harness({ maxQueuedSamples: QUEUE, maxRunsInFlight: inFlight }), ended: 0 };
    fill(h);
    return h;
  }

  const hintFor = (batcher: DynamicBatcher, count = 3): unknown => {
    try {
      void batcher.submit(samples(0, count), count);
    } catch (error) {
      expect(error).toMatchObject({ code: 'OVERLOADED' });
      return (error as { details: Record<string, unknown> }).details['retryAfterSeconds'];
    }
    throw new Error('the request was not refused');
  };

  it("hints the time the samples ahead plus the caller's own take at the measured drain rate, rounded up", async () => {
    const h = busy();
    await drain(h, 1_000, 8); // 4 samples a second
    expect(h.batcher.queued).toBe(QUEUE);
    expect(hintFor(h.batcher)).toBe(6); // 23 / 4 = 5.75
    expect(hintFor(h.batcher, 1)).toBe(6); // 21 / 4 = 5.25
  });

  it('follows the drain rate when it changes', async () => {
    const h = busy();
    await drain(h, 1_000, 8);
    expect(hintFor(h.batcher)).toBe(6);
    await drain(h, 250, 20); // 16 samples a second
    expect(hintFor(h.batcher)).toBe(2); // 23 / 16 = 1.44
    await drain(h, 2_000, 20); // 2 samples a second
    expect(hintFor(h.batcher)).toBe(12); // 23 / 2 = 11.5
  });

  it('measures samples drained per second, not the latency of each run, when runs overlap', async () => {
    const h = busy(2);
    expect(h.runs).toHaveLength(2);
    // Each run takes 2 s from hand-over to end, but one ends every second: 4 samples a second drain.
    await drain(h, 1_000, 8);
    expect(h.runs.length - h.ended).toBe(2);
    expect(hintFor(h.batcher)).toBe(6);
  });

  it('before any run has ended, hints 10 s, or longer once the first run has taken long enough to say so', () => {
    const h = busy();
    expect(hintFor(h.batcher)).toBe(10);
    h.clock.advance(1_000);
    expect(hintFor(h.batcher)).toBe(10); // at least 23 * 1 / 4 = 5.75 s, but never less than 10 s while cold
    h.clock.advance(7_000);
    // Nothing of 4 samples done in 8 s: draining 23 takes at least 23 * 8 / 4 = 46 s.
    expect(hintFor(h.batcher)).toBe(46);
  });

  it('never hints less than 1 s or more than 60 s', async () => {
    const fast = busy();
    await drain(fast, 1, 8); // 4,000 samples a second
    expect(hintFor(fast.batcher)).toBe(1);
    const slow = busy();
    await drain(slow, 60_000, 8); // one sample every 15 s: 23 would take 345 s
    expect(hintFor(slow.batcher)).toBe(60);
    const cold = busy();
    cold.clock.advance(3_600_000);
    expect(hintFor(cold.batcher)).toBe(60);
  });
});
