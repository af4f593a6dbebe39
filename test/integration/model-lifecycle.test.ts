/**
 * Explicit load and unload over real HTTP: an unload during a burst of predictions lets every request whose upload
 * has arrived finish with the right answer, refuses new ones with MODEL_NOT_READY, and the version can be loaded
 * again; an unload does not wait for an upload still arriving; what an operator loaded or unloaded survives a restart.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postJson, upload } from '../support/graphql-client';
import { heldPrediction, until } from '../support/held-request';
import { HookedBackend } from '../support/hooked-backend';
import { startGateway, type RunningGateway } from '../support/gateway';
import { ecgModelsFolder } from '../support/models-folder';
import { npyBytes } from '../support/npy';
import { HELDOUT, directRun, readNpy, sameBits } from '../support/reference';

const BURST = 12;
const STATE = '{ model(name: "ecg-rhythm") { versions { state activeRequests } } }';
const inputs = readNpy(path.join(HELDOUT, 'inputs.npy')).data as Float64Array;
const L = 5000;

/**
 * Real sessions whose runs wait, while the gate is closed, until it opens: requests whose uploads have arrived are
 * then in flight for as long as the test needs, and `waiting` tells how many reached the model.
 */
class Gate {
  waiting = 0;
  private gate: Promise<void> | undefined;
  private opened: () => void = () => undefined;
  readonly backend = new HookedBackend('gated', async () => {
    if (this.gate === undefined) return;
    this.waiting += 1;
    await this.gate;
    this.waiting -= 1;
  });

  shut(): void {
    this.gate = new Promise((resolve) => (this.opened = resolve));
  }

  letGo(): void {
    this.gate = undefined;
    this.opened();
  }
}

let gw: RunningGateway;
const gate = new Gate();
// The shipped small model alone: readiness then depends on it only. Batching off: each request runs on its own.
const onlySmall = (): Record<string, string> => ({ MODELS_DIR: ecgModelsFolder([{ version: 1 }]) });

beforeAll(async () => {
  gw = await startGateway({ ...onlySmall(), BATCH_MAX_DELAY_MS: '0' }, { backend: gate.backend });
});
afterAll(() => gw.stop());

async function versionState(): Promise<{ state: string; activeRequests: number }> {
  const res = await postJson<{ model: { versions: { state: string; activeRequests: number }[] } }>(gw.admin, STATE);
  return res.body.data?.model.versions[0] ?? { state: 'missing', activeRequests: -1 };
}

describe('unloading a model during a burst of predictions', () => {
  it('finishes every prediction whose upload has arrived, refuses new ones, frees the version, and loads it again', async () => {
    gate.shut();
    const sent = Array.from({ length: BURST }, (_, i) =>
      upload(gw.predictor, npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(i * L, (i + 1) * L) })),
    );
    // Every upload has arrived and its samples wait at the model.
    await until(async () => gate.waiting === BURST);

    const unloading = postJson<{ unloadModel: { state: string } }>(
      gw.admin,
      'mutation { unloadModel(name: "ecg-rhythm", version: 1) { state activeRequests } }',
    );
    await until(async () => (await versionState()).state === 'DRAINING');

    const late = await upload(gw.predictor, npyBytes({ descr: '<f8', shape: [1, L], data: inputs.subarray(0, L) }));
    expect(late.body.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', state: 'DRAINING' });

    gate.letGo();
    const answers = (await Promise.all(sent)).map((r) => r.body);
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
      // The unloaded version stays unloaded: the second boot loads nothing.
      expect(res.body.data?.modelEvents.map((e) => `${e.actor} ${e.event}`)).toEqual([
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

const TWO_VERSIONS = '{ model(name: "ecg-rhythm") { versions { version state residentBytes activeRequests } } }';
type VersionRow = { version: number; state: string; residentBytes: number | null; activeRequests: number };

async function versions(endpoint: RunningGateway['admin']): Promise<VersionRow[]> {
  const res = await postJson<{ model: { versions: VersionRow[] } }>(endpoint, TWO_VERSIONS);
  return res.body.data?.model.versions ?? [];
}

describe('an unload while an upload is still arriving', () => {
  let two: RunningGateway;
  beforeAll(async () => {
    two = await startGateway({ MODELS_DIR: ecgModelsFolder([{ version: 1 }, { version: 2 }]) });
  });
  afterAll(() => two.stop());

  it('does not wait for the upload, leaves other versions serving, and answers it MODEL_NOT_READY', async () => {
    const held = await heldPrediction(two.predictor, 0, { version: 1 });
    await until(async () => (await versions(two.admin))[0]?.activeRequests === 1);

    const unloading = postJson<{ unloadModel: { state: string } }>(
      two.admin,
      'mutation { unloadModel(name: "ecg-rhythm", version: 1) { state } }',
    );
    // The upload is still held: the unload completes without it.
    await until(async () => (await versions(two.admin))[0]?.state === 'UNLOADED');
    expect((await unloading).body.data?.unloadModel.state).toBe('UNLOADED');

    const other = await upload(
      two.predictor,
      npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(0, L) }),
      { variables: { version: 2 } },
    );
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data?.predict.version).toBe(2);

    held.finish();
    const answer = (await (await held.response).json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', version: 1, state: 'UNLOADED' });
    expect((await versions(two.admin)).map((v) => [v.version, v.state, v.activeRequests])).toEqual([
      [1, 'UNLOADED', 0],
      [2, 'READY', 0],
    ]);
  });
});

describe('what an operator loaded or unloaded, across restarts', () => {
  it('keeps an unloaded version unloaded and not resident until loadModel, which also survives a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-intent-'));
    const env = { MODELS_DIR: ecgModelsFolder([{ version: 1 }, { version: 2 }]), DATA_DIR: dataDir };
    let current = await startGateway(env);
    try {
      await postJson(current.admin, 'mutation { unloadModel(name: "ecg-rhythm", version: 2) { state } }');
      await current.stop();
      current = await startGateway(env);
      const afterUnload = await versions(current.admin);
      expect(afterUnload.map((v) => [v.version, v.state])).toEqual([
        [1, 'READY'],
        [2, 'UNLOADED'],
      ]);
      expect(afterUnload[1]?.residentBytes).toBeNull();
      const refused = await upload(
        current.predictor,
        npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(0, L) }),
        { variables: { version: 2 } },
      );
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', state: 'UNLOADED' });

      await postJson(current.admin, 'mutation { loadModel(name: "ecg-rhythm", version: 2) { state } }');
      await current.stop();
      current = await startGateway(env);
      expect((await versions(current.admin)).map((v) => [v.version, v.state])).toEqual([
        [1, 'READY'],
        [2, 'READY'],
      ]);
    } finally {
      await current.stop();
    }
  });

  it('does not treat a version the memory budget evicted as unloaded by an operator', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-intent-'));
    const env = {
      MODELS_DIR: ecgModelsFolder([{ version: 1 }, { version: 2 }]),
      DATA_DIR: dataDir,
      MODEL_MAX_RESIDENT_VERSIONS: '1',
    };
    let current = await startGateway(env);
    try {
      // Version 1 is loaded on demand, which evicts version 2 (production: the newest at first boot).
      const first = await upload(
        current.predictor,
        npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(0, L) }),
        { variables: { version: 1 } },
      );
      expect(first.body.data?.predict.version).toBe(1);
      expect((await versions(current.admin)).map((v) => v.state)).toEqual(['READY', 'UNLOADED']);
      await current.stop();
      current = await startGateway(env);
      expect((await versions(current.admin)).map((v) => v.state)).toEqual(['UNLOADED', 'READY']);
      const again = await upload(
        current.predictor,
        npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(0, L) }),
        { variables: { version: 1 } },
      );
      expect(again.body.data?.predict.version).toBe(1);
    } finally {
      await current.stop();
    }
  });
});
