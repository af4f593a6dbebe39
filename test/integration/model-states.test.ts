import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { headersOf, postJson, upload } from '../support/graphql-client';
import { HookedBackend } from '../support/hooked-backend';
import { startGateway, type RunningGateway } from '../support/gateway';
import { MODEL_DIR } from '../support/reference';
import { tokens, xmlBatch } from '../support/xml';

/** A models folder with the shipped model as versions 1 and 2, and a copy whose manifest checksum is wrong. */
function modelsWithABrokenVersion(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'infergraph-models-'));
  const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as { sha256: string };
  const versions = [
    ['ecg-rhythm', 1, manifest.sha256],
    ['ecg-rhythm', 2, manifest.sha256],
    ['broken', 1, 'f'.repeat(64)],
  ] as const;
  for (const [name, version, sha256] of versions) {
    const dir = path.join(root, name, String(version));
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(MODEL_DIR, 'model.onnx'), path.join(dir, 'model.onnx'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name, version, sha256 }));
  }
  return root;
}

const valid = xmlBatch([tokens(5000)]);

describe('several versions and a version that failed to load', () => {
  let gw: RunningGateway;
  let root: string;
  beforeAll(async () => {
    root = modelsWithABrokenVersion();
    gw = await startGateway({ MODELS_DIR: root });
  });
  afterAll(() => gw.stop());

  it('runs the newest version by default and the requested one when asked', async () => {
    const models = await postJson<{ model: { defaultVersion: number; versions: { version: number }[] } }>(
      gw.viewer,
      '{ model(name: "ecg-rhythm") { defaultVersion versions { version } } }',
    );
    expect(models.body.data?.model).toEqual({ defaultVersion: 2, versions: [{ version: 1 }, { version: 2 }] });
    expect((await upload(gw.predictor, valid)).body.data?.predict.version).toBe(2);
    expect((await upload(gw.predictor, valid, { variables: { version: 1 } })).body.data?.predict.version).toBe(1);
  });

  it('lists the failed version as FAILED with its reason, without the server path', async () => {
    const res = await postJson<{ model: { versions: { state: string; failureReason: string }[] } }>(
      gw.viewer,
      '{ model(name: "broken") { versions { state failureReason } } }',
    );
    const [version] = res.body.data?.model.versions ?? [];
    expect(version?.state).toBe('FAILED');
    expect(version?.failureReason).toMatch(/sha256/);
    expect(JSON.stringify(res.body)).not.toContain(root);
  });

  it('answers predict with MODEL_NOT_READY while the healthy model keeps serving', async () => {
    const res = await upload(gw.predictor, valid, { variables: { model: 'broken' } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'MODEL_NOT_READY', state: 'FAILED' });
    const ok = await upload(gw.predictor, valid);
    expect(ok.body.data?.predict.shape).toEqual([1, 2]);
  });

  it('keeps /readyz at 503 and names the failed version', async () => {
    // The catalogue is shown to authenticated callers only (anonymous ones get the status alone).
    const res = await fetch(`${gw.baseUrl}/readyz`, { headers: headersOf(gw.viewer) });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'not ready',
      models: expect.arrayContaining([
        {
          model: 'broken',
          version: 1,
          state: 'FAILED',
          stage: 'FILE',
          reason: expect.stringMatching(/^sha256 [0-9a-f]{64} differs from manifest$/),
        },
        { model: 'ecg-rhythm', version: 2, state: 'READY' },
      ]),
    });
  });
});

/** Real sessions whose runs fail on real data, as a runtime fault would (the warm-up batch of zeros still runs). */
const failingRuns = (): HookedBackend =>
  new HookedBackend('failing-runs', (input, modelPath) => {
    if (input.data.some((v) => v !== 0)) throw new Error(`kernel failed reading ${modelPath}`);
  });

describe('a runtime failure during inference', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({}, { backend: failingRuns() });
  });
  afterAll(() => gw.stop());

  it('is answered with INFERENCE_FAILED, without the runtime message', async () => {
    const res = await upload(gw.predictor, valid);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'INFERENCE_FAILED', model: 'ecg-rhythm', version: 1 });
    expect(JSON.stringify(res.body)).not.toMatch(/kernel|model\.onnx/);
    expect((await fetch(`${gw.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('request bodies', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.stop());

  it('refuses a JSON body over 1 MB with PAYLOAD_TOO_LARGE', async () => {
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ models { name } } #${'x'.repeat(1_100_000)}` }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
  });

  it('refuses malformed JSON with BAD_REQUEST', async () => {
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('the input kind each version declares', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'infergraph-models-'));
    const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as object;
    for (const [name, input] of [
      ['ecg-rhythm', undefined],
      ['ecg-tensor', { kind: 'tensor' }],
    ] as const) {
      const dir = path.join(root, name, '1');
      mkdirSync(dir, { recursive: true });
      copyFileSync(path.join(MODEL_DIR, 'model.onnx'), path.join(dir, 'model.onnx'));
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name, input }));
    }
    gw = await startGateway({ MODELS_DIR: root });
  });
  afterAll(() => gw.stop());

  it('is listed per version: SIGNAL for a manifest without `input`, else the kind it names', async () => {
    const res = await postJson<{ models: { name: string; versions: { inputKind: string }[] }[] }>(
      gw.viewer,
      '{ models { name versions { inputKind } } }',
    );
    expect(res.body.data?.models).toEqual([
      { name: 'ecg-rhythm', versions: [{ inputKind: 'SIGNAL' }] },
      { name: 'ecg-tensor', versions: [{ inputKind: 'TENSOR' }] },
    ]);
  });
});
