/**
 * The memory budget over real HTTP with real sessions: four versions, room for two. Requests bring unloaded versions
 * back on demand, the least recently used idle version makes room, a version serving a request is never unloaded,
 * and a byte budget holds the measured memory of the loaded versions under its limit.
 */
import { startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload, type PredictionJson } from '../support/graphql-client';
import { heldPrediction, heldoutInputs, until } from '../support/held-request';
import { npyBytes } from '../support/npy';
import { ecgModelsFolder } from '../support/models-folder';
import { directRun, sameBits } from '../support/reference';

const L = 5000;
const MiB = 1024 * 1024;

/** The shipped model as versions 1..count of `ecg-rhythm`. */
const modelsFolder = (count: number): string =>
  ecgModelsFolder(Array.from({ length: count }, (_, i) => ({ version: i + 1 })));

interface VersionView {
  version: number;
  state: string;
  residentBytes: number | null;
}

async function versions(gw: RunningGateway): Promise<VersionView[]> {
  const res = await postJson<{ model: { versions: VersionView[] } }>(
    gw.admin,
    '{ model(name: "ecg-rhythm") { versions { version state residentBytes } } }',
  );
  return res.body.data?.model.versions ?? [];
}

const loaded = async (gw: RunningGateway): Promise<number[]> =>
  (await versions(gw)).filter((v) => v.state === 'READY').map((v) => v.version);

async function predictOn(gw: RunningGateway, version: number, sample = 0) {
  const file = npyBytes({
    descr: '<f8',
    shape: [1, L, 1],
    data: heldoutInputs().subarray(sample * L, (sample + 1) * L),
  });
  return upload(gw.predictor, file, { filename: 'x.npy', variables: { version } });
}

describe('a budget of two resident versions, with four registered', () => {
  let gw: RunningGateway;
  let expected: Float64Array;
  beforeAll(async () => {
    gw = await startGateway({ MODELS_DIR: modelsFolder(4), MODEL_MAX_RESIDENT_VERSIONS: '2' });
    expected = await directRun(heldoutInputs().subarray(0, 3 * L), [L, 1]);
  });
  afterAll(() => gw.stop());

  it('loads production first at boot, then what fits; the rest wait unloaded', async () => {
    expect(await loaded(gw)).toEqual([1, 4]);
  });

  it('serves every version on demand, unloading the least recently used idle one, never holding more than two', async () => {
    const steps: [number, number[]][] = [
      [1, [1, 4]],
      [4, [1, 4]],
      [2, [2, 4]], // 1 was used before 4
      [3, [2, 3]], // then 4 is the oldest
      [1, [1, 3]],
    ];
    for (const [version, after] of steps) {
      const res = await predictOn(gw, version);
      expect(res.body.data?.predict.version).toBe(version);
      expect(sameBits(Float64Array.from(res.body.data?.predict.outputs.flat() ?? []), expected.subarray(0, 2))).toBe(
        true,
      );
      expect(await loaded(gw)).toEqual(after);
    }
    const events = await postJson<{ modelEvents: { event: string; version: number; actor: string }[] }>(
      gw.admin,
      '{ modelEvents(name: "ecg-rhythm", limit: 100) { event version actor } }',
    );
    const evictions = (events.body.data?.modelEvents ?? []).filter((e) => e.event === 'model.evict').reverse();
    expect(evictions.map((e) => `${e.actor} ${e.version}`)).toEqual(['system 1', 'system 4', 'system 2']);
  });

  it('never unloads a version serving a request: with both busy, a load is refused and the requests finish', async () => {
    const held = [
      await heldPrediction(gw.predictor, 1, { version: 1 }),
      await heldPrediction(gw.predictor, 2, { version: 3 }),
    ];
    await until(async () => {
      const res = await postJson<{ model: { versions: { activeRequests: number }[] } }>(
        gw.admin,
        '{ model(name: "ecg-rhythm") { versions { activeRequests } } }',
      );
      return (res.body.data?.model.versions ?? []).reduce((sum, v) => sum + v.activeRequests, 0) === 2;
    });
    const refused = await postJson(gw.admin, 'mutation { loadModel(name: "ecg-rhythm", version: 2) { state } }');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'MEMORY_BUDGET_EXCEEDED',
      model: 'ecg-rhythm',
      version: 2,
    });
    expect((await predictOn(gw, 4)).body.errors?.[0]?.extensions?.code).toBe('MEMORY_BUDGET_EXCEEDED');
    expect(await loaded(gw)).toEqual([1, 3]);

    held.forEach((h) => h.finish());
    const bodies = (await Promise.all(held.map(async (h) => (await h.response).json()))) as {
      data: { predict: PredictionJson };
    }[];
    expect(bodies.map((b) => b.data.predict.version)).toEqual([1, 3]);
    bodies.forEach((b, i) =>
      expect(
        sameBits(Float64Array.from(b.data.predict.outputs.flat()), expected.subarray(2 * (i + 1), 2 * (i + 2))),
      ).toBe(true),
    );

    const loadedNow = await postJson<{ loadModel: { state: string } }>(
      gw.admin,
      'mutation { loadModel(name: "ecg-rhythm", version: 2) { state } }',
    );
    expect(loadedNow.body.data?.loadModel.state).toBe('READY');
    expect(await loaded(gw)).toEqual([2, 3]);
  });

  it('leaves a version an operator unloaded unloaded: requests for it get MODEL_NOT_READY', async () => {
    await postJson(gw.admin, 'mutation { unloadModel(name: "ecg-rhythm", version: 2) { state } }');
    expect((await predictOn(gw, 2)).body.errors?.[0]?.extensions).toMatchObject({
      code: 'MODEL_NOT_READY',
      state: 'UNLOADED',
    });
    expect(await loaded(gw)).toEqual([3]);
  });
});

describe('a byte budget', () => {
  let gw: RunningGateway;
  // Each load's measured growth is 5 MiB: the probe rises by 5 MiB at every reading, and it is read before and after each load.
  let rss = 100 * MiB;
  const probe = (): number => (rss += 5 * MiB);
  beforeAll(async () => {
    gw = await startGateway({ MODELS_DIR: modelsFolder(3), MODEL_MEMORY_BUDGET_MB: '12' }, { memoryProbe: probe });
  });
  afterAll(() => gw.stop());

  it('reports the measured memory of each loaded version and keeps their sum within the budget', async () => {
    for (const version of [1, 2, 3, 1]) {
      expect((await predictOn(gw, version)).body.data?.predict.version).toBe(version);
      const resident = (await versions(gw)).filter((v) => v.residentBytes !== null);
      expect(resident.every((v) => v.state === 'READY' && v.residentBytes === 5 * MiB)).toBe(true);
      expect(resident.reduce((sum, v) => sum + (v.residentBytes ?? 0), 0)).toBeLessThanOrEqual(12 * MiB);
      expect(resident.length).toBe(2);
    }
  });
});
