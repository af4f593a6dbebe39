/**
 * Aliases over real HTTP: promotion through the validation gate, rollback, and what requests without a version get.
 * The models folder holds the shipped model three times: versions 1 and 2 identical, version 3 with golden expected
 * outputs that it cannot reproduce.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postJson, upload } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { npyBytes } from '../support/npy';
import { MODEL_DIR, HELDOUT, readNpy } from '../support/reference';
import { tokens, xmlBatch } from '../support/xml';

function modelsFolder(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'infergraph-promotion-'));
  const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8'));
  const expected = readNpy(path.join(HELDOUT, 'expected_outputs.npy'));
  for (const version of [1, 2, 3]) {
    const dir = path.join(root, 'ecg-rhythm', String(version));
    mkdirSync(path.join(dir, 'heldout'), { recursive: true });
    copyFileSync(path.join(MODEL_DIR, 'model.onnx'), path.join(dir, 'model.onnx'));
    copyFileSync(path.join(HELDOUT, 'inputs.npy'), path.join(dir, 'heldout', 'inputs.npy'));
    const outputs = Float64Array.from(expected.data as Float64Array, (v) => (version === 3 ? 1 - v : v));
    writeFileSync(
      path.join(dir, 'heldout', 'expected_outputs.npy'),
      npyBytes({ descr: '<f8', shape: expected.shape, data: outputs }),
    );
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }));
  }
  return root;
}

const PROMOTE =
  'mutation($v: Int!) { promoteModel(name: "ecg-rhythm", version: $v) { promoted alias version report { passed candidate baseline samples goldenMaxAbsDiff agreement problems } } }';
const ROLLBACK = 'mutation { rollbackModel(name: "ecg-rhythm") { alias version } }';
const valid = xmlBatch([tokens(5000)]);

interface Promotion {
  promoted: boolean;
  version: number | null;
  report: {
    passed: boolean;
    baseline: number | null;
    samples: number;
    goldenMaxAbsDiff: number | null;
    agreement: number | null;
    problems: string[];
  };
}

let gw: RunningGateway;
let models: string;
let dataDir: string;
const promote = async (v: number) =>
  (await postJson<{ promoteModel: Promotion }>(gw.admin, PROMOTE, { v })).body.data?.promoteModel as Promotion;
const servedVersion = async () => (await upload(gw.predictor, valid)).body.data?.predict.version;

beforeAll(async () => {
  models = modelsFolder();
  dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-promotion-data-'));
  gw = await startGateway({ MODELS_DIR: models, DATA_DIR: dataDir });
});
afterAll(() => gw.stop());

describe('promotion and rollback', () => {
  it('pins production to the newest version found at first boot, so a later version never takes traffic by itself', async () => {
    expect(await servedVersion()).toBe(3);
  });

  it('promotes a version that reproduces its golden outputs and agrees with production', async () => {
    const result = await promote(1);
    expect(result).toMatchObject({
      promoted: true,
      version: 1,
      report: { passed: true, baseline: 3, samples: 64, agreement: 1, problems: [] },
    });
    expect(result.report.goldenMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(await servedVersion()).toBe(1);
  });

  it('promotes a version that agrees with production, and predictions without a version follow', async () => {
    const result = await promote(2);
    expect(result).toMatchObject({ promoted: true, version: 2, report: { passed: true, baseline: 1, agreement: 1 } });
    expect(await servedVersion()).toBe(2);
  });

  it('refuses a version that does not reproduce its golden outputs, and production stays where it was', async () => {
    const result = await promote(3);
    expect(result).toMatchObject({ promoted: false, version: 2, report: { passed: false, baseline: 2 } });
    expect(result.report.problems.join(' ')).toMatch(/golden outputs differ/);
    expect(await servedVersion()).toBe(2);
  });

  it('refuses a version that is not loaded', async () => {
    await postJson(gw.admin, 'mutation { unloadModel(name: "ecg-rhythm", version: 1) { state } }');
    const result = await promote(1);
    expect(result.promoted).toBe(false);
    expect(result.report.problems.join(' ')).toMatch(/not ready \(UNLOADED\)/);
  });

  it('rolls back to the previous versions in turn, loading them again, then has nothing left to roll back to', async () => {
    const back = await postJson<{ rollbackModel: { alias: string; version: number } }>(gw.admin, ROLLBACK);
    expect(back.body.data?.rollbackModel).toEqual({ alias: 'production', version: 1 });
    expect(await servedVersion()).toBe(1);
    const first = await postJson<{ rollbackModel: { alias: string; version: number } }>(gw.admin, ROLLBACK);
    expect(first.body.data?.rollbackModel).toEqual({ alias: 'production', version: 3 });
    expect(await servedVersion()).toBe(3);
    const none = await postJson(gw.admin, ROLLBACK);
    expect(none.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('records every promotion and rollback with the gate report', async () => {
    const res = await postJson<{
      modelEvents: { event: string; result: string; version: number; detail: string | null }[];
    }>(gw.admin, '{ modelEvents(name: "ecg-rhythm", limit: 20) { event result version detail } }');
    const events = (res.body.data?.modelEvents ?? []).filter((e) => /promote|rollback/.test(e.event));
    expect(events.map((e) => `${e.event} ${e.version} ${e.result}`)).toEqual([
      'model.rollback.production 3 ROLLED_BACK',
      'model.rollback.production 1 ROLLED_BACK',
      'model.promote.production 1 REJECTED',
      'model.promote.production 3 REJECTED',
      'model.promote.production 2 PROMOTED',
      'model.promote.production 1 PROMOTED',
      'model.promote.production 3 PROMOTED',
    ]);
    expect(JSON.parse(events[4]?.detail ?? '{}')).toMatchObject({
      passed: true,
      baseline: 1,
      agreement: 1,
      samples: 64,
    });
  });

  it('keeps aliases across a restart', async () => {
    await gw.stop();
    gw = await startGateway({ MODELS_DIR: models, DATA_DIR: dataDir });
    const res = await postJson<{ model: { defaultVersion: number; aliases: { alias: string; version: number }[] } }>(
      gw.viewer,
      '{ model(name: "ecg-rhythm") { defaultVersion aliases { alias version } } }',
    );
    expect(res.body.data?.model).toEqual({ defaultVersion: 3, aliases: [{ alias: 'production', version: 3 }] });
    expect(await servedVersion()).toBe(3);
  });
});
