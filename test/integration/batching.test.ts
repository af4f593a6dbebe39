/**
 * Dynamic batching over real HTTP with real ONNX Runtime: one-sample requests sent together share batches and each
 * gets exactly its own outputs; a full queue answers OVERLOADED with a retry hint and the gateway keeps serving.
 * Requests are first held halfway through their upload until all are admitted (so each finds the others on their
 * way), then released together; the batching delays are long (hundreds of ms) so that they reliably meet.
 */
import { startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload, type GraphQLResponse, type PredictionJson } from '../support/graphql-client';
import { heldPrediction, heldoutInputs, until } from '../support/held-request';
import { npyBytes } from '../support/npy';
import { directRun, sameBits } from '../support/reference';

const L = 5000;
const oneSample = (i: number) =>
  npyBytes({ descr: '<f8', shape: [1, L, 1], data: heldoutInputs().subarray(i * L, (i + 1) * L) });
const predict = (gw: RunningGateway, i: number): Promise<GraphQLResponse<{ predict: PredictionJson }>> =>
  upload(gw.predictor, oneSample(i), { filename: 'x.npy' });

/** Sends `count` one-sample predictions, holds them until all are admitted, then lets them finish together. */
async function together(
  gw: RunningGateway,
  count: number,
): Promise<GraphQLResponse<{ predict: PredictionJson }>['body'][]> {
  const held = await Promise.all(Array.from({ length: count }, (_, i) => heldPrediction(gw.predictor, i)));
  await until(async () => {
    const res = await postJson<{ model: { versions: { activeRequests: number }[] } }>(
      gw.admin,
      '{ model(name: "ecg-rhythm") { versions { activeRequests } } }',
    );
    return res.body.data?.model.versions[0]?.activeRequests === count;
  });
  held.forEach((h) => h.finish());
  return Promise.all(
    held.map(async (h) => (await (await h.response).json()) as GraphQLResponse<{ predict: PredictionJson }>['body']),
  );
}

describe('concurrent one-sample requests', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ BATCH_MAX_DELAY_MS: '300' });
  });
  afterAll(() => gw.stop());

  it('share batches, and each gets exactly the outputs of its own sample', async () => {
    const count = 24;
    const answers = await together(gw, count);
    for (const [i, body] of answers.entries()) {
      expect(body.errors).toBeUndefined();
      const expected = await directRun(heldoutInputs().subarray(i * L, (i + 1) * L), [L, 1], 1);
      expect(sameBits(Float64Array.from(body.data?.predict.outputs.flat() ?? []), expected)).toBe(true);
    }
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    const series = (le: string) =>
      Number(
        new RegExp(`^infergraph_batch_size_bucket\\{le="${le}",model="ecg-rhythm",version="1"\\} (\\S+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    const runs = Number(/^infergraph_batch_size_count\{model="ecg-rhythm",version="1"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(Number(/^infergraph_batch_size_sum\{model="ecg-rhythm",version="1"\} (\S+)$/m.exec(metrics)?.[1])).toBe(
      count,
    );
    expect(runs).toBeLessThan(count);
    expect(series('1')).toBeLessThan(runs);
  });
});

describe('a full queue', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({ BATCH_MAX_DELAY_MS: '500', BATCH_MAX_QUEUED_SAMPLES: '2' });
  });
  afterAll(() => gw.stop());

  it('answers OVERLOADED with a retry hint, serves what it took, and keeps serving', async () => {
    const answers = await together(gw, 8);
    const codes = answers.map((body) => body.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c !== 'OK')).toEqual(codes.filter((c) => c !== 'OK').map(() => 'OVERLOADED'));
    expect(codes).toContain('OVERLOADED');
    const refused = answers.find((body) => body.errors !== undefined);
    expect(refused?.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect((await predict(gw, 0)).body.data?.predict.shape).toEqual([1, 2]);
  });
});
