/**
 * `registerModel` over real HTTP with real multipart bodies and real ONNX Runtime sessions: a retrained file becomes
 * version 2, is loaded, used by version, promoted through the gate and rolled back; everything survives a restart;
 * junk, mismatched and interrupted uploads are refused with their codes and leave no file and no version.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';
import { headersOf, multipartBody, postJson, upload, type GraphQLResponse } from '../support/graphql-client';
import { npyBytes } from '../support/npy';
import { HELDOUT, MODEL_DIR, directRun, readNpy, sameBits } from '../support/reference';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'onnx');
const RETRAINED = path.join(FIXTURES, 'ecg-rhythm-retrained.onnx');
const L = 5000;
const GOLDEN_ROWS = 64;

const REGISTER = /* GraphQL */ `
  mutation Register($name: String!, $file: Upload!, $manifest: ModelManifestInput) {
    registerModel(name: $name, file: $file, manifest: $manifest) {
      version
      state
      sha256
      sizeBytes
      registeredBy
      registeredAt
      description
      labels
      inputs {
        name
        dtype
        shape
      }
    }
  }
`;

interface Registered {
  version: number;
  state: string;
  sha256: string;
  sizeBytes: number;
  registeredBy: string;
  registeredAt: string;
  description: string;
  labels: string[];
  inputs: { name: string; dtype: string; shape: (number | null)[] }[];
}

let gw: RunningGateway;
let models: string;
let dataDir: string;
const inputs = readNpy(path.join(HELDOUT, 'inputs.npy')).data as Float64Array;

const register = (
  name: string,
  file: Uint8Array | string,
  manifest: Record<string, unknown> | null = null,
  filename = 'model.onnx',
) =>
  upload<{ registerModel: Registered }>(gw.admin, file, { query: REGISTER, variables: { name, manifest }, filename });

const codeOf = (res: GraphQLResponse): unknown => res.body.errors?.[0]?.extensions?.code;

const versionsOf = async (name: string): Promise<number[]> => {
  const res = await postJson<{ model: { versions: { version: number }[] } | null }>(
    gw.viewer,
    'query($n: String!) { model(name: $n) { versions { version } } }',
    { n: name },
  );
  return res.body.data?.model?.versions.map((v) => v.version) ?? [];
};

/** Predicts the first `n` held-out records, as `.npy`, on a version (or on production). */
async function predictHeldout(n: number, version?: number): Promise<{ version: number; outputs: Float64Array }> {
  const file = npyBytes({ descr: '<f8', shape: [n, L, 1], data: inputs.subarray(0, n * L) });
  const res = await upload(gw.predictor, file, {
    filename: 'batch.npy',
    variables: version === undefined ? {} : { version },
  });
  const predicted = res.body.data?.predict;
  if (predicted === undefined) throw new Error(JSON.stringify(res.body));
  return { version: predicted.version, outputs: Float64Array.from(predicted.outputs.flat()) };
}

/** Everything under the models folder, to show a refused registration changed nothing. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'infergraph-register-'));
  cpSync(MODEL_DIR, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), 'infergraph-register-data-'));
  gw = await startGateway({ MODELS_DIR: models, DATA_DIR: dataDir, MAX_MODEL_BYTES: '200000' });
});
afterAll(() => gw.stop());

describe('registering, using, promoting and rolling back a new version', () => {
  let golden: number[][];

  it('registers a retrained file as version 2: checked, hashed, recorded, unloaded, and production unchanged', async () => {
    const expected = await directRun(inputs.subarray(0, GOLDEN_ROWS * L), [L, 1], 32, RETRAINED);
    golden = Array.from({ length: GOLDEN_ROWS }, (_, i) => Array.from(expected.subarray(2 * i, 2 * i + 2)));
    const bytes = readFileSync(RETRAINED);
    const res = await register('ecg-rhythm', bytes, { description: 'retrained with more data', goldenOutputs: golden });
    expect(res.body.errors).toBeUndefined();
    const registered = res.body.data?.registerModel as Registered;
    expect(registered).toMatchObject({
      version: 2,
      state: 'UNLOADED',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      sizeBytes: bytes.length,
      registeredBy: 'user:admin',
      description: 'retrained with more data',
      labels: ['normal', 'atrial_fibrillation'],
      inputs: [{ name: 'signal', dtype: 'float64', shape: [null, L, 1] }],
    });
    expect(Math.abs(Date.parse(registered.registeredAt) - Date.now())).toBeLessThan(60_000);
    expect(readFileSync(path.join(models, 'ecg-rhythm', '2', 'model.onnx')).equals(bytes)).toBe(true);
    expect(readdirSync(path.join(models, '.staging'))).toEqual([]);
    expect((await predictHeldout(1)).version).toBe(1);
  });

  it('loads it and serves it by version, bit-identical to a direct run of the uploaded file', async () => {
    const loaded = await postJson<{ loadModel: { state: string; residentBytes: number } }>(
      gw.admin,
      'mutation { loadModel(name: "ecg-rhythm", version: 2) { state residentBytes } }',
    );
    expect(loaded.body.data?.loadModel.state).toBe('READY');
    expect(loaded.body.data?.loadModel.residentBytes).toBeGreaterThanOrEqual(readFileSync(RETRAINED).length);
    const served = await predictHeldout(40, 2);
    expect(served.version).toBe(2);
    expect(sameBits(served.outputs, await directRun(inputs.subarray(0, 40 * L), [L, 1], 32, RETRAINED))).toBe(true);
    expect(sameBits(served.outputs, await directRun(inputs.subarray(0, 40 * L), [L, 1]))).toBe(false);
  });

  it('promotes it through the gate with the golden outputs given at registration, then rolls back', async () => {
    const promoted = await postJson<{
      promoteModel: {
        promoted: boolean;
        report: { baseline: number; samples: number; goldenMaxAbsDiff: number; agreement: number };
      };
    }>(
      gw.admin,
      'mutation { promoteModel(name: "ecg-rhythm", version: 2) { promoted report { baseline samples goldenMaxAbsDiff agreement } } }',
    );
    expect(promoted.body.data?.promoteModel).toMatchObject({
      promoted: true,
      report: { baseline: 1, samples: GOLDEN_ROWS, goldenMaxAbsDiff: 0 },
    });
    expect(promoted.body.data?.promoteModel.report.agreement).toBeGreaterThanOrEqual(0.95);
    expect((await predictHeldout(1)).version).toBe(2);
    const back = await postJson<{ rollbackModel: { version: number } }>(
      gw.admin,
      'mutation { rollbackModel(name: "ecg-rhythm") { version } }',
    );
    expect(back.body.data?.rollbackModel.version).toBe(1);
    expect((await predictHeldout(1)).version).toBe(1);
  });

  it('registers a new model from a full manifest; its first version becomes its production version', async () => {
    const spec = (name: string, shape: (number | null)[]) => ({ name, dtype: 'float64', shape });
    const manifest = {
      inputs: [spec('signal', [null, L, 1])],
      outputs: [spec('probabilities', [null, 2])],
      labels: ['low', 'high'],
    };
    const res = await register('tiny', readFileSync(path.join(FIXTURES, 'tiny-compatible.onnx')), manifest);
    expect(res.body.data?.registerModel).toMatchObject({ version: 1, state: 'UNLOADED', labels: ['low', 'high'] });
    await postJson(gw.admin, 'mutation { loadModel(name: "tiny") { state } }');
    const file = npyBytes({ descr: '<f8', shape: [3, L, 1], data: inputs.subarray(0, 3 * L) });
    const served = await upload(gw.predictor, file, { filename: 'batch.npy', variables: { model: 'tiny' } });
    const direct = await directRun(inputs.subarray(0, 3 * L), [L, 1], 32, path.join(FIXTURES, 'tiny-compatible.onnx'));
    expect(served.body.data?.predict.version).toBe(1);
    expect(sameBits(Float64Array.from(served.body.data?.predict.outputs.flat() ?? []), direct)).toBe(true);
  });

  it('keeps versions, who registered them, aliases and the audit trail across a restart', async () => {
    await gw.stop();
    gw = await startGateway({ MODELS_DIR: models, DATA_DIR: dataDir, MAX_MODEL_BYTES: '200000' });
    const res = await postJson<{
      model: { aliases: unknown[]; versions: { version: number; registeredBy: string; state: string }[] };
    }>(
      gw.viewer,
      '{ model(name: "ecg-rhythm") { aliases { alias version } versions { version registeredBy state } } }',
    );
    expect(res.body.data?.model).toEqual({
      aliases: [{ alias: 'production', version: 1 }],
      versions: [
        { version: 1, registeredBy: 'system', state: 'READY' },
        { version: 2, registeredBy: 'user:admin', state: 'READY' },
      ],
    });
    const events = await postJson<{ modelEvents: { event: string; version: number | null; result: string }[] }>(
      gw.admin,
      '{ modelEvents(name: "ecg-rhythm", limit: 100) { event version result } }',
    );
    const trail = (events.body.data?.modelEvents ?? []).map((e) => `${e.event} ${e.version} ${e.result}`);
    expect(trail).toEqual(
      expect.arrayContaining([
        'model.register 2 REGISTERED',
        'model.promote.production 2 PROMOTED',
        'model.rollback.production 1 ROLLED_BACK',
      ]),
    );
    expect((await predictHeldout(1, 2)).version).toBe(2);
  });
});

describe('refused registrations leave nothing behind', () => {
  const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));
  const cases: [string, string, () => Uint8Array | string, Record<string, unknown> | null, string][] = [
    ['bytes that are not ONNX', 'ecg-rhythm', () => 'this is not a model', null, 'MODEL_INVALID'],
    ['an empty file', 'ecg-rhythm', () => new Uint8Array(0), null, 'MODEL_INVALID'],
    [
      'a truncated ONNX file',
      'ecg-rhythm',
      () => fixture('ecg-rhythm-retrained.onnx').subarray(0, 50_000),
      null,
      'MODEL_INVALID',
    ],
    ['a float32 model', 'ecg-rhythm', () => fixture('float32-io.onnx'), null, 'MODEL_SIGNATURE_MISMATCH'],
    [
      'a model for 4000-value signals',
      'ecg-rhythm',
      () => fixture('wrong-length.onnx'),
      null,
      'MODEL_SIGNATURE_MISMATCH',
    ],
    ['a model with three outputs', 'ecg-rhythm', () => fixture('three-classes.onnx'), null, 'MODEL_SIGNATURE_MISMATCH'],
    [
      'a model whose input has another name',
      'ecg-rhythm',
      () => fixture('renamed-input.onnx'),
      null,
      'MODEL_SIGNATURE_MISMATCH',
    ],
    [
      'a manifest that changes the labels',
      'ecg-rhythm',
      () => fixture('tiny-compatible.onnx'),
      { labels: ['a', 'b'] },
      'MODEL_SIGNATURE_MISMATCH',
    ],
    [
      'golden outputs of the wrong width',
      'ecg-rhythm',
      () => fixture('tiny-compatible.onnx'),
      { goldenOutputs: [[0.5, 0.25, 0.25]] },
      'MANIFEST_INVALID',
    ],
    ['a new model without a manifest', 'brand-new', () => fixture('tiny-compatible.onnx'), null, 'MANIFEST_INVALID'],
    ['a name that is a path', '../escape', () => fixture('tiny-compatible.onnx'), null, 'BAD_USER_INPUT'],
    ['a file over MAX_MODEL_BYTES', 'ecg-rhythm', () => Buffer.alloc(250_000, 7), null, 'FILE_TOO_LARGE'],
  ];

  it.each(cases)('refuses %s', async (_label, name, file, manifest, code) => {
    const before = filesUnder(models);
    const versions = await versionsOf('ecg-rhythm');
    const res = await register(name, file(), manifest);
    expect(codeOf(res)).toBe(code);
    expect(JSON.stringify(res.body)).not.toContain(models);
    expect(filesUnder(models)).toEqual(before);
    expect(await versionsOf('ecg-rhythm')).toEqual(versions);
    expect(await versionsOf('brand-new')).toEqual([]);
    expect((await predictHeldout(1)).version).toBe(1);
  });

  it('audits refused registrations with their code', async () => {
    const res = await postJson<{ modelEvents: { event: string; result: string; detail: string }[] }>(
      gw.admin,
      '{ modelEvents(name: "ecg-rhythm", limit: 20) { event result detail } }',
    );
    const refused = (res.body.data?.modelEvents ?? []).filter(
      (e) => e.event === 'model.register' && e.result === 'REJECTED',
    );
    expect(refused.map((e) => e.detail.split(':')[0])).toEqual(
      expect.arrayContaining(['MODEL_INVALID', 'MODEL_SIGNATURE_MISMATCH', 'FILE_TOO_LARGE']),
    );
  });

  it('leaves nothing when the client disconnects halfway through the upload', async () => {
    const before = filesUnder(models);
    const { body, contentType } = await multipartBody(readFileSync(RETRAINED), {
      query: REGISTER,
      variables: { name: 'ecg-rhythm' },
      filename: 'model.onnx',
    });
    const url = new URL(gw.baseUrl);
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: '/graphql',
        method: 'POST',
        headers: {
          ...headersOf(gw.admin),
          'content-type': contentType,
          'content-length': body.length,
          'apollo-require-preflight': 'true',
        },
      });
      req.on('error', () => resolve());
      req.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    const deadline = Date.now() + 10_000;
    let refused: string | undefined;
    while (refused === undefined && Date.now() < deadline) {
      const res = await postJson<{ modelEvents: { event: string; result: string; detail: string }[] }>(
        gw.admin,
        '{ modelEvents(name: "ecg-rhythm", limit: 1) { event result detail } }',
      );
      const last = res.body.data?.modelEvents[0];
      if (last?.event === 'model.register' && last.detail.startsWith('UPLOAD_FAILED')) refused = last.result;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(refused).toBe('REJECTED');
    expect(filesUnder(models)).toEqual(before);
    expect(existsSync(path.join(models, 'ecg-rhythm', '3'))).toBe(false);
    expect(await versionsOf('ecg-rhythm')).toEqual([1, 2]);
  });

  it('never takes the number of a version folder the registry skipped', async () => {
    mkdirSync(path.join(models, 'ecg-rhythm', '3'));
    writeFileSync(path.join(models, 'ecg-rhythm', '3', 'manifest.json'), '{}');
    const res = await register('ecg-rhythm', readFileSync(path.join(FIXTURES, 'tiny-compatible.onnx')));
    expect(res.body.data?.registerModel.version).toBe(4);
    expect(readFileSync(path.join(models, 'ecg-rhythm', '3', 'manifest.json'), 'utf8')).toBe('{}');
    expect(await versionsOf('ecg-rhythm')).toEqual([1, 2, 4]);
  });
});

describe('a model file over MAX_MODEL_BYTES is answered and leaves nothing, whichever cap is larger', () => {
  const KiB = 1024;
  const orderings: [string, { MAX_MODEL_BYTES: string; MAX_UPLOAD_BYTES: string }][] = [
    [
      'MAX_MODEL_BYTES is below MAX_UPLOAD_BYTES',
      { MAX_MODEL_BYTES: String(200 * KiB), MAX_UPLOAD_BYTES: String(400 * KiB) },
    ],
    [
      'MAX_MODEL_BYTES is above MAX_UPLOAD_BYTES',
      { MAX_MODEL_BYTES: String(400 * KiB), MAX_UPLOAD_BYTES: String(200 * KiB) },
    ],
  ];

  it.each(orderings)(
    'refuses a file over both caps as FILE_TOO_LARGE when %s, audits it, empties .staging and keeps serving',
    async (_label, caps) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-register-caps-'));
      cpSync(MODEL_DIR, path.join(dir, 'ecg-rhythm', '1'), { recursive: true });
      const capped = await startGateway({ MODELS_DIR: dir, ...caps });
      try {
        const before = filesUnder(dir);
        // Larger than both caps, so the upload library's own limit (the larger cap) is reached too.
        const res = await upload<{ registerModel: Registered }>(capped.admin, Buffer.alloc(1024 * KiB, 7), {
          query: REGISTER,
          variables: { name: 'ecg-rhythm' },
          filename: 'model.onnx',
        });
        expect(codeOf(res)).toBe('FILE_TOO_LARGE');
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ limit: Number(caps.MAX_MODEL_BYTES) });
        expect(JSON.stringify(res.body)).not.toContain(dir);
        const staging = path.join(dir, '.staging');
        expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
        expect(filesUnder(dir)).toEqual(before);

        const events = await postJson<{ modelEvents: { event: string; result: string; detail: string }[] }>(
          capped.admin,
          '{ modelEvents(name: "ecg-rhythm", limit: 1) { event result detail } }',
        );
        expect(events.body.data?.modelEvents[0]).toMatchObject({
          event: 'model.register',
          result: 'REJECTED',
          detail: expect.stringMatching(/^FILE_TOO_LARGE: /),
        });

        // The same gateway still predicts, and a batch over MAX_UPLOAD_BYTES is refused with that cap.
        const batch = npyBytes({ descr: '<f8', shape: [1, L, 1], data: inputs.subarray(0, L) });
        expect((await upload(capped.predictor, batch, { filename: 'batch.npy' })).body.data?.predict.version).toBe(1);
        const tooBig = await upload(capped.predictor, Buffer.alloc(1024 * KiB, 7), { filename: 'batch.npy' });
        expect(codeOf(tooBig)).toBe('FILE_TOO_LARGE');
        expect(tooBig.body.errors?.[0]?.extensions).toMatchObject({ limit: Number(caps.MAX_UPLOAD_BYTES) });
      } finally {
        await capped.stop();
      }
    },
  );
});
