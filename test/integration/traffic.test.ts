/**
 * Traffic policies over real HTTP with real sessions: a shadow version runs on copies of production requests without
 * changing their responses, a canary serves a sticky share of callers, and `modelComparison` reports what direct runs
 * of both versions on the same inputs give.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canaryBucket } from '../../src/traffic/traffic-router';
import { startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload, type Endpoint } from '../support/graphql-client';
import { npyBytes } from '../support/npy';
import { ecgModelsFolder, RETRAINED_ONNX as RETRAINED } from '../support/models-folder';
import { HELDOUT, directRun, readNpy, sameBits } from '../support/reference';

const L = 5000;
const inputs = readNpy(path.join(HELDOUT, 'inputs.npy')).data as Float64Array;

interface Comparison {
  kind: string;
  candidateVersion: number;
  baselineVersion: number;
  requests: number;
  failures: number;
  samples: number;
  agreementRate: number;
  meanAbsDifference: number;
  candidateMeanLatencyMs: number;
  baselineMeanLatencyMs: number;
}

const COMPARISON =
  '{ modelComparison(name: "ecg-rhythm") { kind candidateVersion baselineVersion requests failures samples agreementRate meanAbsDifference candidateMeanLatencyMs baselineMeanLatencyMs } }';
const SET_POLICY =
  'mutation($p: TrafficPolicyInput!) { setTrafficPolicy(name: "ecg-rhythm", policy: $p) { canaryVersion canaryPercent shadowVersion } }';

let gw: RunningGateway;
let models: string;
let dataDir: string;
// The suite sends its requests back to back, leaving the mirror no quiet moment until it pauses to read the
// comparisons: the queue must hold them all (dropping under load is the mirror's own, unit-tested behaviour).
const env = () => ({ MODELS_DIR: models, DATA_DIR: dataDir, MIRROR_QUEUE_MAX: '1000' });

const setPolicy = (p: Record<string, unknown>) =>
  postJson<{ setTrafficPolicy: Record<string, unknown> }>(gw.admin, SET_POLICY, { p });
const comparisons = async (): Promise<Comparison[]> =>
  (await postJson<{ modelComparison: Comparison[] }>(gw.admin, COMPARISON)).body.data?.modelComparison ?? [];

/** Records [from, to) of the held-out set, as `.npy`, without a version. */
async function predict(as: Endpoint, from: number, to: number, version?: number) {
  const file = npyBytes({ descr: '<f8', shape: [to - from, L, 1], data: inputs.subarray(from * L, to * L) });
  const res = await upload<{ predict: { version: number; route: string; outputs: number[][] } }>(as, file, {
    filename: 'batch.npy',
    query:
      'mutation($file: Upload!, $version: Int) { predict(model: "ecg-rhythm", file: $file, version: $version) { version route outputs } }',
    variables: version === undefined ? {} : { version },
  });
  const p = res.body.data?.predict;
  if (p === undefined) throw new Error(JSON.stringify(res.body));
  return { version: p.version, route: p.route, outputs: Float64Array.from(p.outputs.flat()) };
}

/** Waits until the comparison of `kind` has counted `requests` (mirrored runs happen after responses). */
async function comparisonOf(kind: string, requests: number): Promise<Comparison> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = (await comparisons()).find((c) => c.kind === kind);
    if (found !== undefined && found.requests >= requests) return found;
    if (Date.now() > deadline)
      throw new Error(`no ${kind} comparison of ${requests} requests: ${JSON.stringify(found)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the comparison must say, from direct runs of both files on the same records. */
async function expectedComparison(records: number): Promise<{ agreement: number; meanAbs: number }> {
  const values = inputs.subarray(0, records * L);
  const [v1, v2] = [await directRun(values, [L, 1]), await directRun(values, [L, 1], 32, RETRAINED)];
  let agreed = 0;
  let abs = 0;
  for (let i = 0; i < records; i += 1) {
    if (v1[2 * i]! >= v1[2 * i + 1]! === v2[2 * i]! >= v2[2 * i + 1]!) agreed += 1;
    abs += Math.abs(v2[2 * i]! - v1[2 * i]!) + Math.abs(v2[2 * i + 1]! - v1[2 * i + 1]!);
  }
  return { agreement: agreed / records, meanAbs: abs / (2 * records) };
}

beforeAll(async () => {
  // Version 1 is the shipped model; version 2 the retrained fixture under the same contract.
  models = ecgModelsFolder([{ version: 1 }, { version: 2, onnx: RETRAINED }]);
  dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-traffic-data-'));
  gw = await startGateway(env());
});
afterAll(() => gw.stop());

describe('shadow traffic', () => {
  it('starts with version 1 promoted to production (first boot pinned the newest, version 2)', async () => {
    const promoted = await postJson<{ promoteModel: { promoted: boolean } }>(
      gw.admin,
      'mutation { promoteModel(name: "ecg-rhythm", version: 1) { promoted } }',
    );
    expect(promoted.body.data?.promoteModel.promoted).toBe(true);
    expect((await predict(gw.predictor, 0, 1)).version).toBe(1);
  });

  it('never changes a response: production answers bit-identically to a direct run of version 1', async () => {
    expect((await setPolicy({ shadowVersion: 2 })).body.data?.setTrafficPolicy).toEqual({
      canaryVersion: null,
      canaryPercent: 0,
      shadowVersion: 2,
    });
    const direct = await directRun(inputs.subarray(0, 50 * L), [L, 1]);
    for (let from = 0; from < 50; from += 10) {
      const served = await predict(gw.predictor, from, from + 10);
      expect([served.version, served.route]).toEqual([1, 'PRODUCTION']);
      expect(sameBits(served.outputs, direct.subarray(2 * from, 2 * (from + 10)))).toBe(true);
    }
  });

  it('reports agreement and mean absolute difference equal to direct runs of both versions', async () => {
    const found = await comparisonOf('SHADOW', 5);
    const expected = await expectedComparison(50);
    expect(found).toMatchObject({ candidateVersion: 2, baselineVersion: 1, requests: 5, failures: 0, samples: 50 });
    expect(found.agreementRate).toBe(expected.agreement);
    expect(found.meanAbsDifference).toBeCloseTo(expected.meanAbs, 12);
    expect(found.meanAbsDifference).toBeGreaterThan(0);
    expect(found.candidateMeanLatencyMs).toBeGreaterThan(0);
    expect(found.baselineMeanLatencyMs).toBeGreaterThan(0);
  });

  it('skips a shadow that is not loaded, and production keeps answering', async () => {
    await postJson(gw.admin, 'mutation { unloadModel(name: "ecg-rhythm", version: 2) { state } }');
    const served = await predict(gw.predictor, 0, 10);
    expect(served.version).toBe(1);
    expect(sameBits(served.outputs, await directRun(inputs.subarray(0, 10 * L), [L, 1]))).toBe(true);
    await postJson(gw.admin, 'mutation { loadModel(name: "ecg-rhythm", version: 2) { state } }');
    expect((await comparisonOf('SHADOW', 5)).requests).toBe(5);
  });
});

describe('canary traffic', () => {
  let callers: { endpoint: Endpoint; id: string; key: string }[];

  beforeAll(async () => {
    callers = [];
    for (let i = 0; i < 16; i += 1) {
      const res = await postJson<{ createApiKey: { key: string; apiKey: { id: string } } }>(
        gw.admin,
        'mutation($n: String!) { createApiKey(name: $n, role: PREDICTOR) { key apiKey { id } } }',
        { n: `canary-caller-${i}` },
      );
      const created = res.body.data?.createApiKey;
      if (created === undefined) throw new Error(JSON.stringify(res.body));
      callers.push({
        endpoint: { url: gw.graphqlUrl, headers: { 'x-api-key': created.key } },
        id: created.apiKey.id,
        key: created.key,
      });
    }
  });

  it('refuses a share outside 0–100 and a canary that is production', async () => {
    expect((await setPolicy({ canaryVersion: 2, canaryPercent: 150 })).body.errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await setPolicy({ canaryVersion: 1, canaryPercent: 10 })).body.errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await setPolicy({ shadowVersion: 7 })).body.errors?.[0]?.extensions?.code).toBe('MODEL_VERSION_NOT_FOUND');
  });

  it('sends a sticky share of callers to the canary, each one always to the same side', async () => {
    await setPolicy({ canaryVersion: 2, canaryPercent: 50, shadowVersion: null });
    const [v1, v2] = [
      await directRun(inputs.subarray(0, 4 * L), [L, 1]),
      await directRun(inputs.subarray(0, 4 * L), [L, 1], 32, RETRAINED),
    ];
    const sides = new Set<string>();
    for (const caller of callers) {
      const canary = canaryBucket('ecg-rhythm', `apiKey:${caller.id}`) < 50;
      for (let round = 0; round < 2; round += 1) {
        const served = await predict(caller.endpoint, 0, 4);
        expect([served.version, served.route]).toEqual(canary ? [2, 'CANARY'] : [1, 'PRODUCTION']);
        expect(sameBits(served.outputs, canary ? v2 : v1)).toBe(true);
      }
      sides.add(canary ? 'canary' : 'production');
      // A request naming its version gets exactly that version.
      expect(await predict(caller.endpoint, 0, 1, 1)).toMatchObject({ version: 1, route: 'EXPLICIT' });
    }
    expect(sides).toEqual(new Set(['canary', 'production']));
  });

  it('compares canary requests with production run on the same inputs', async () => {
    const canaryRequests = callers.filter((c) => canaryBucket('ecg-rhythm', `apiKey:${c.id}`) < 50).length * 2;
    const found = await comparisonOf('CANARY', canaryRequests);
    const expected = await expectedComparison(4);
    expect(found).toMatchObject({
      candidateVersion: 2,
      baselineVersion: 1,
      requests: canaryRequests,
      failures: 0,
      samples: 4 * canaryRequests,
    });
    expect(found.agreementRate).toBe(expected.agreement);
    expect(found.meanAbsDifference).toBeCloseTo(expected.meanAbs, 12);
  });

  it('keeps the policy across a restart, and clearing it sends everyone to production', async () => {
    await gw.stop();
    gw = await startGateway(env());
    const policy = await postJson<{ model: { trafficPolicy: unknown } }>(
      gw.viewer,
      '{ model(name: "ecg-rhythm") { trafficPolicy { canaryVersion canaryPercent shadowVersion } } }',
    );
    expect(policy.body.data?.model.trafficPolicy).toEqual({ canaryVersion: 2, canaryPercent: 50, shadowVersion: null });
    expect((await setPolicy({})).body.data?.setTrafficPolicy).toEqual({
      canaryVersion: null,
      canaryPercent: 0,
      shadowVersion: null,
    });
    for (const caller of callers) {
      expect((await predict({ url: gw.graphqlUrl, headers: { 'x-api-key': caller.key } }, 0, 1)).route).toBe(
        'PRODUCTION',
      );
    }
  });
});
