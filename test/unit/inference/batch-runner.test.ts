import { runInBatches } from '../../../src/inference/batch-runner';
import { FakeSession } from '../../support/fake-backend';

describe('runInBatches', () => {
  const values = Float64Array.from({ length: 70 * 4 }, (_, i) => i % 7);

  it('splits into chunks of at most maxBatchSize and keeps sample order', async () => {
    const session = new FakeSession();
    const out = await runInBatches(session, values, 70, { sampleDims: [4, 1], maxBatchSize: 32 });
    expect(session.runs).toEqual([
      [32, 4, 1],
      [32, 4, 1],
      [6, 4, 1],
    ]);
    expect(out.dims).toEqual([70, 2]);
    for (let i = 0; i < 70; i += 1) {
      const expected = values.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0);
      expect(out.data[2 * i]).toBe(expected);
      expect(out.data[2 * i + 1]).toBe(-expected);
    }
  });

  it('runs a batch smaller than the limit in one call', async () => {
    const session = new FakeSession();
    await runInBatches(session, values.subarray(0, 12), 3, { sampleDims: [4, 1], maxBatchSize: 32 });
    expect(session.runs).toEqual([[3, 4, 1]]);
  });

  it('honours a batch size of one', async () => {
    const session = new FakeSession();
    await runInBatches(session, values.subarray(0, 12), 3, { sampleDims: [4, 1], maxBatchSize: 1 });
    expect(session.runs).toHaveLength(3);
  });

  it('propagates runtime failures', async () => {
    const session = new FakeSession(undefined, undefined, true);
    await expect(runInBatches(session, values, 2, { sampleDims: [4, 1], maxBatchSize: 32 })).rejects.toThrow('kernel');
  });
});
