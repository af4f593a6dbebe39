import { BatchScheduler, type Arrivals } from '../../../src/inference/batch-scheduler';
import { FakeSession } from '../../support/fake-backend';

const plan = { maxBatchSize: 4, sampleDims: [2] };
/** Sample i is [i, 0]: the fake model answers [sum, -sum], so each output row names its sample. */
const values = (count: number): Float64Array =>
  Float64Array.from({ length: count * 2 }, (_, k) => (k % 2 === 0 ? k / 2 : 0));

/** Arrivals the test releases by hand: `ready` grows by `step` on each `next()` once `release()` is called. */
function arrivals(first: number, step: number, count: number, failAt?: number) {
  let ready = first;
  let abandoned = false;
  const calls: number[] = [];
  const source: Arrivals = {
    get ready() {
      return ready;
    },
    next: async () => {
      calls.push(ready);
      if (failAt !== undefined && ready >= failAt) throw new Error(`sample ${failAt} is bad`);
      ready = Math.min(ready + step, count);
      return ready;
    },
    abandon: () => {
      abandoned = true;
    },
  };
  return { source, calls, abandoned: () => abandoned };
}

describe('BatchScheduler.run with samples that arrive in parts', () => {
  it('runs each part as it arrives and returns every row, whole and in order', async () => {
    const session = new FakeSession();
    const scheduler = new BatchScheduler({ maxBatchSize: 4, maxDelayMs: 0, maxQueuedSamples: 100 });
    const parts = arrivals(4, 4, 10);
    const out = await scheduler.run(session, plan, values(10), 10, {
      deadline: Infinity,
      inFlight: () => 1,
      arrivals: parts.source,
    });
    expect(parts.calls).toEqual([4, 8]); // asked for the next part twice, never past the end
    expect(session.runs).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(out.dims).toEqual([10, 2]);
    expect(Array.from({ length: 10 }, (_, i) => out.data[2 * i])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parts.abandoned()).toBe(false);
  });

  it('fails with the error of a part that cannot arrive, after the parts already running have settled, and gives up the rest', async () => {
    const session = new FakeSession();
    const scheduler = new BatchScheduler({ maxBatchSize: 4, maxDelayMs: 0, maxQueuedSamples: 100 });
    const parts = arrivals(4, 4, 12, 8);
    await expect(
      scheduler.run(session, plan, values(12), 12, { deadline: Infinity, inFlight: () => 1, arrivals: parts.source }),
    ).rejects.toThrow('sample 8 is bad');
    expect(session.runs).toEqual([
      [4, 2],
      [4, 2],
    ]); // both parts that arrived ran to the end before the failure came back
    expect(parts.abandoned()).toBe(true);
  });
});
