/**
 * Hostile model files and manifests, over real HTTP with real multipart bodies and real ONNX Runtime sessions: an
 * ONNX file the runtime refuses (built here, stamped with an unreleased opset so that the runtime's message names its
 * own source files) must not show a client any server path, whether it is uploaded with `registerModel` or found in
 * the models folder; a manifest with a second dynamic dimension is `MANIFEST_INVALID`, at registration and at discovery.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload, type GraphQLResponse, type PredictionJson } from '../support/graphql-client';
import { HELDOUT, MODEL_DIR, readNpy } from '../support/reference';
import { spinningLoopOnnx } from '../support/spinning-model';

const L = 5000;

/** A model ONNX Runtime refuses to open: valid protobuf and graph, but an opset no ONNX release has. */
const BUILD_UNRELEASED_OPSET = `
import sys
from onnx import TensorProto, helper
signal = helper.make_tensor_value_info("signal", TensorProto.DOUBLE, ["N", ${L}, 1])
out = helper.make_tensor_value_info("probabilities", TensorProto.DOUBLE, ["N", 2])
node = helper.make_node("Identity", ["signal"], ["probabilities"])
model = helper.make_model(helper.make_graph([node], "hostile", [signal], [out]), opset_imports=[helper.make_opsetid("", 99)])
model.ir_version = 7
open(sys.argv[1], "wb").write(model.SerializeToString())
`;

/** A `/` starting a path after a separator: what no client-facing message may contain. */
const ABSOLUTE_PATH = /(^|[\s:'"(=,[])\/[^\s]+/;

const REGISTER = /* GraphQL */ `
  mutation Register($name: String!, $file: Upload!, $manifest: ModelManifestInput) {
    registerModel(name: $name, file: $file, manifest: $manifest) {
      version
    }
  }
`;

const spec = (name: string, shape: (number | null)[]) => ({ name, dtype: 'float64', shape });
const fullManifest = (inputShape: (number | null)[]) => ({
  inputs: [spec('signal', inputShape)],
  outputs: [spec('probabilities', [null, 2])],
  labels: ['low', 'high'],
});

let gw: RunningGateway;
let models: string;
let hostileOnnx: Buffer;
const logLines: string[] = [];

function writeVersion(name: string, version: number, onnx: Buffer, changes: Record<string, unknown> = {}): void {
  const manifest = JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const dir = path.join(models, name, String(version));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'model.onnx'), onnx);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ ...manifest, name, version, sha256, sizeBytes: onnx.length, heldout: undefined, ...changes }),
  );
}

/** Everything under the models folder, to show a refused registration changed nothing. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** No server path: not the models folder, not the repository, not the runtime's sources, no absolute path at all. */
function expectNoServerPath(text: string): void {
  expect(text).not.toContain(models);
  expect(text).not.toContain(REPO_ROOT);
  expect(text).not.toContain(tmpdir());
  expect(text).not.toContain('/onnxruntime_src');
  expect(text).not.toMatch(ABSOLUTE_PATH);
}

const register = (name: string, file: Uint8Array, manifest: Record<string, unknown>) =>
  upload<{ registerModel: { version: number } }>(gw.admin, file, {
    query: REGISTER,
    variables: { name, manifest },
    filename: 'model.onnx',
  });

const errorOf = (res: GraphQLResponse) => res.body.errors?.[0];

beforeAll(async () => {
  models = mkdtempSync(path.join(tmpdir(), 'infergraph-hostile-'));
  cpSync(MODEL_DIR, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
  const built = path.join(mkdtempSync(path.join(tmpdir(), 'infergraph-hostile-onnx-')), 'unreleased-opset.onnx');
  execFileSync('/usr/bin/python3', ['-c', BUILD_UNRELEASED_OPSET, built]);
  hostileOnnx = readFileSync(built);
  writeVersion('broken', 1, hostileOnnx);
  const shipped = readFileSync(path.join(MODEL_DIR, 'model.onnx'));
  writeVersion('two-dynamic', 1, shipped, { inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 'T', 1] }] });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  gw = await startGateway({ MODELS_DIR: models }, { logger: pino({ level: 'info' }, sink) });
});
afterAll(() => gw.stop());

describe('ONNX files the runtime refuses name no server path', () => {
  it('a version on disk the runtime refuses is FAILED, and its failureReason (as VIEWER) names no server path', async () => {
    const res = await postJson<{
      models: { name: string; versions: { version: number; state: string; failureReason: string | null }[] }[];
    }>(gw.viewer, '{ models { name versions { version state failureReason } } }');
    expect(res.body.errors).toBeUndefined();
    const broken = res.body.data?.models.find((m) => m.name === 'broken')?.versions[0];
    expect(broken?.state).toBe('FAILED');
    // The runtime's own words stay readable.
    expect(broken?.failureReason).toMatch(/Opset 99/);
    expect(broken?.failureReason).toMatch(/^Load model from <broken@1>\/model\.onnx failed:/);
    for (const model of res.body.data?.models ?? []) {
      for (const version of model.versions) expectNoServerPath(version.failureReason ?? '');
    }
    expectNoServerPath(JSON.stringify(res.body));
  });

  it('registerModel with a file the runtime refuses answers MODEL_INVALID, naming no server path', async () => {
    const before = filesUnder(models);
    const res = await register('hostile', hostileOnnx, fullManifest([null, L, 1]));
    const error = errorOf(res);
    expect(error?.extensions?.code).toBe('MODEL_INVALID');
    expect(error?.message).toMatch(/Opset 99/);
    expectNoServerPath(error?.message ?? '');
    expectNoServerPath(JSON.stringify(res.body));
    expect(filesUnder(models)).toEqual(before);
  });

  it('registerModel with truncated bytes answers MODEL_INVALID, naming no server path', async () => {
    const res = await register('hostile', hostileOnnx.subarray(0, 40), fullManifest([null, L, 1]));
    expect(errorOf(res)?.extensions?.code).toBe('MODEL_INVALID');
    expectNoServerPath(errorOf(res)?.message ?? '');
    expectNoServerPath(JSON.stringify(res.body));
  });
});

describe('a manifest with two dynamic dimensions is MANIFEST_INVALID', () => {
  it('registerModel with an input of two dynamic dimensions answers MANIFEST_INVALID and changes nothing', async () => {
    const before = filesUnder(models);
    const shipped = readFileSync(path.join(MODEL_DIR, 'model.onnx'));
    const res = await register('two-axes', shipped, fullManifest([null, null, 1]));
    const error = errorOf(res);
    expect(error?.extensions?.code).toBe('MANIFEST_INVALID');
    expect(JSON.stringify(error?.extensions?.problems)).toMatch(/inputs\.0\.shape\.1: .*only the batch axis/);
    expectNoServerPath(JSON.stringify(res.body));
    expect(filesUnder(models)).toEqual(before);
    const listed = await postJson<{ model: unknown }>(gw.viewer, '{ model(name: "two-axes") { name } }');
    expect(listed.body.data?.model ?? null).toBeNull();
  });

  it('a version folder with such a manifest is logged and skipped at boot while the others serve', async () => {
    const res = await postJson<{ models: { name: string }[] }>(gw.viewer, '{ models { name } }');
    expect(res.body.data?.models.map((m) => m.name).sort()).toEqual(['broken', 'ecg-rhythm']);
    const skipped = logLines
      .map((line) => JSON.parse(line) as { msg: string; dir?: string; err?: { message: string } })
      .filter((entry) => entry.msg === 'skipping model version with an invalid manifest');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.dir).toBe(path.join(models, 'two-dynamic', '1'));
    expect(skipped[0]?.err?.message).toMatch(/inputs\.0\.shape\.1: .*only the batch axis/);
    const predicted = await postJson<{ model: { versions: { state: string }[] } }>(
      gw.viewer,
      '{ model(name: "ecg-rhythm") { versions { state } } }',
    );
    expect(predicted.body.data?.model.versions).toEqual([{ state: 'READY' }]);
  });
});

describe('a model whose validation does not end is refused at the time limit, and stalls no prediction', () => {
  let limited: RunningGateway;
  let folder: string;
  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'infergraph-spin-models-'));
    cpSync(MODEL_DIR, path.join(folder, 'ecg-rhythm', '1'), { recursive: true });
    limited = await startGateway({ MODELS_DIR: folder, MODEL_VALIDATION_TIMEOUT_MS: '10000' });
  });
  afterAll(() => limited.stop());

  it('registerModel with a Loop of 2e9 iterations answers MODEL_INVALID naming the time limit, while ecg-rhythm keeps answering', async () => {
    const before = filesUnder(folder);
    const spinning = spinningLoopOnnx(2e9, 0);
    const order: string[] = [];
    const registration = upload<{ registerModel: { version: number } }>(limited.admin, spinning, {
      query: REGISTER,
      variables: { name: 'spinning', manifest: fullManifest([null, L, 1]) },
      filename: 'model.onnx',
    }).then((res) => {
      order.push('registration answered');
      return res;
    });
    // The registration has begun once its file is staged.
    const staging = path.join(folder, '.staging');
    for (let staged = false; !staged; await new Promise((r) => setTimeout(r, 20))) {
      staged =
        existsSync(staging) && readdirSync(staging, { recursive: true }).some((f) => String(f).endsWith('model.onnx'));
    }
    const predicted = await upload(limited.predictor, readFileSync(path.join(HELDOUT, 'inputs.xml')));
    order.push('prediction answered');
    expect(predicted.body.errors).toBeUndefined();
    const outputs = (predicted.body.data?.predict as PredictionJson).outputs.flat();
    const expected = Array.from(readNpy(path.join(HELDOUT, 'expected_outputs.npy')).data as Float64Array);
    expect(outputs).toHaveLength(expected.length);
    outputs.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? Number.NaN, 6));

    const res = await registration;
    expect(order).toEqual(['prediction answered', 'registration answered']);
    const error = errorOf(res);
    expect(error?.extensions?.code).toBe('MODEL_INVALID');
    expect(error?.message).toMatch(/validation run exceeded the time limit \(10000 ms\)/);
    expectNoServerPath(JSON.stringify(res.body));
    expect(readdirSync(staging)).toEqual([]);
    expect(filesUnder(folder)).toEqual(before);

    const events = await postJson<{ modelEvents: { event: string; result: string; detail: string }[] }>(
      limited.admin,
      '{ modelEvents(name: "spinning", limit: 5) { event result detail } }',
    );
    expect(events.body.data?.modelEvents).toEqual([
      { event: 'model.register', result: 'REJECTED', detail: expect.stringMatching(/^MODEL_INVALID: .*time limit/) },
    ]);
    const again = await upload(limited.predictor, readFileSync(path.join(HELDOUT, 'inputs.xml')));
    expect((again.body.data?.predict as PredictionJson).shape).toEqual([300, 2]);
  });
});
