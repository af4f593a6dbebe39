/**
 * Explicit load and unload over real HTTP: an unload during a burst of predictions lets every admitted request
 * finish with the right answer, refuses new ones with MODEL_NOT_READY, and the version can be loaded again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postJson, upload, type PredictionJson } from '../support/graphql-client';
import { heldPrediction, until } from '../support/held-request';
import { startGateway, type RunningGateway } from '../support/gateway';
import { ecgModelsFolder } from '../support/models-folder';
import { npyBytes } from '../support/npy';
import { HELDOUT, directRun, readNpy, sameBits } from '../support/reference';

const BURST = 12;
const STATE = '{ model(name: "ecg-rhythm") { versions { state activeRequests } } }';
const inputs = readNpy(path.join(HELDOUT, 'inputs.npy')).data as Float64Array;
const L = 5000;

let gw: RunningGateway;
// The shipped small model alone: readiness then depends on it only.
const onlySmall = (): Record<string, string> => ({ MODELS_DIR: ecgModelsFolder([{ version: 1 }]) });

beforeAll(async () => {
  gw = await startGateway(onlySmall());
});
afterAll(() => gw.stop());

async function versionState(): Promise<{ state: string; activeRequests: number }> {
  const res = await postJson<{ model: { versions: { state: string; activeRequests: number }[] } }>(gw.admin, STATE);
  return res.body.data?.model.versions[0] ?? { state: 'missing', activeRequests: -1 };
}

describe('unloading a model during a burst of predictions', () => {
  it('finishes every admitted prediction, refuses new ones, frees the version, and loads it again', async () => {
    const held = await Promise.all(Array.from({ length: BURST }, (_, i) => heldPrediction(gw.predictor, i)));
    await until(async () => (await versionState()).activeRequests === BURST);

    const unloading = postJson<{ unloadModel: { state: string } }>(
      gw.admin,
      'mutation { unloadModel(name: "ecg-rhythm", version: 1) { state activeRequests } }',
    );
    await until(async () => (await versionState()).state === 'DRAINING');

    const late = await upload(gw.predictor, npyBytes({ descr: '<f8', shape: [1, L], data: inputs.subarray(0, L) }));
    expect(late.body.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', state: 'DRAINING' });

    for (const h of held) h.finish();
    const answers = await Promise.all(
      held.map(
        async (h) => (await (await h.response).json()) as { data?: { predict: PredictionJson }; errors?: unknown[] },
      ),
    );
    const expected = await directRun(inputs.subarray(0, BURST * L), [L, 1], 1);
    answers.forEach((answer, i) => {
      expect(answer.errors).toBeUndefined();
      expect(
        sameBits(Float64Array.from(answer.data?.predict.outputs.flat() ?? []), expected.subarray(2 * i, 2 * i + 2)),
      ).toBe(true);
    });

    expect((await unloading).body.data?.unloadModel).toEqual({ state: 'UNLOADED', activeRequests: 0 });
    expect((await fetch(`${gw.baseUrl}/readyz`)).status).toBe(503);
    const refused = await upload(gw.predictor, npyBytes({ descr: '<f8', shape: [1, L], data: inputs.subarray(0, L) }));
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', state: 'UNLOADED' });

    const loaded = await postJson<{ loadModel: { state: string } }>(
      gw.admin,
      'mutation { loadModel(name: "ecg-rhythm") { state } }',
    );
    expect(loaded.body.data?.loadModel.state).toBe('READY');
    expect((await fetch(`${gw.baseUrl}/readyz`)).status).toBe(200);
    const again = await upload(gw.predictor, npyBytes({ descr: '<f8', shape: [1, L], data: inputs.subarray(0, L) }));
    expect(sameBits(Float64Array.from(again.body.data?.predict.outputs.flat() ?? []), expected.subarray(0, 2))).toBe(
      true,
    );
  });

  it('keeps an audit trail of who loaded and unloaded what, newest first', async () => {
    const res = await postJson<{ modelEvents: { actor: string; event: string; result: string; version: number }[] }>(
      gw.admin,
      '{ modelEvents(name: "ecg-rhythm") { actor event result version detail at } }',
    );
    const events = res.body.data?.modelEvents ?? [];
    expect(events.slice(0, 4).map((e) => [e.actor, e.event, e.result])).toEqual([
      ['user:admin', 'model.load', 'READY'],
      ['user:admin', 'model.unload', 'UNLOADED'],
      ['user:admin', 'model.unload.started', 'DRAINING'],
      ['system', 'model.load', 'READY'],
    ]);
  });
});

describe('the audit trail across a restart', () => {
  it('is still there after the gateway restarts on the same data folder', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-restart-'));
    const first = await startGateway({ ...onlySmall(), DATA_DIR: dataDir });
    await postJson(first.admin, 'mutation { unloadModel(name: "ecg-rhythm") { state } }');
    await first.stop();
    const second = await startGateway({ ...onlySmall(), DATA_DIR: dataDir });
    try {
      const res = await postJson<{ modelEvents: { actor: string; event: string }[] }>(
        second.admin,
        '{ modelEvents(name: "ecg-rhythm") { actor event } }',
      );
      expect(res.body.data?.modelEvents.map((e) => `${e.actor} ${e.event}`)).toEqual([
        'system model.load',
        'user:admin model.unload',
        'user:admin model.unload.started',
        'system model.load',
        'system model.promote.production',
      ]);
    } finally {
      await second.stop();
    }
  });
});
