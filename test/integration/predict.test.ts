import { readFileSync } from 'node:fs';
import path from 'node:path';
import { headersOf, postJson, upload, type PredictionJson } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { npyBytes } from '../support/npy';
import { HELDOUT, directRun, readNpy, sameBits } from '../support/reference';

const inputs = readNpy(path.join(HELDOUT, 'inputs.npy'));
const labels = readNpy(path.join(HELDOUT, 'labels.npy'));
const values = inputs.data as Float64Array;
const [count = 0, length = 0] = inputs.shape;

let gw: RunningGateway;
let direct: Float64Array;

beforeAll(async () => {
  gw = await startGateway();
  direct = await directRun(values, [length, 1]);
});
afterAll(() => gw.stop());

function flat(prediction: PredictionJson): Float64Array {
  return Float64Array.from(prediction.outputs.flat());
}

describe('predict over HTTP with the shipped ecg-rhythm model', () => {
  it('answers the committed held-out XML with outputs bit-identical to direct ONNX Runtime runs', async () => {
    const xml = readFileSync(path.join(HELDOUT, 'inputs.xml'));
    const res = await upload(gw.predictor, xml, { filename: 'inputs.xml', contentType: 'application/xml' });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const prediction = res.body.data?.predict as PredictionJson;
    expect(prediction).toMatchObject({
      model: 'ecg-rhythm',
      version: 1,
      shape: [count, 2],
      labels: ['normal', 'atrial_fibrillation'],
    });
    expect(sameBits(flat(prediction), direct)).toBe(true);
  });

  it('reaches at least 0.97 held-out accuracy through the API, matching the manifest', async () => {
    const xml = readFileSync(path.join(HELDOUT, 'inputs.xml'));
    const prediction = (await upload(gw.predictor, xml)).body.data?.predict as PredictionJson;
    const truth = Array.from(labels.data as BigInt64Array, Number);
    const correct = prediction.samples.filter((s, i) => s.label === prediction.labels[truth[i] as number]).length;
    const accuracy = correct / count;
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    const manifest = JSON.parse(readFileSync(path.join(HELDOUT, '..', 'manifest.json'), 'utf8')) as {
      evaluation: { test: { accuracy: number } };
    };
    expect(accuracy).toBeCloseTo(manifest.evaluation.test.accuracy, 10);
  });

  it('names samples by their XML id and keeps upload order', async () => {
    const xml = readFileSync(path.join(HELDOUT, 'inputs.xml'), 'utf8');
    const ids = [...xml.matchAll(/<sample id="([^"]+)"/g)].map((m) => m[1]);
    const prediction = (await upload(gw.predictor, xml)).body.data?.predict as PredictionJson;
    expect(prediction.samples.map((s) => s.id)).toEqual(ids);
    expect(prediction.samples.map((s) => s.index)).toEqual(ids.map((_, i) => i));
    for (const sample of prediction.samples) {
      expect(sample.probabilities).toEqual(prediction.outputs[sample.index]);
      const best = sample.probabilities[0]! >= sample.probabilities[1]! ? 0 : 1;
      expect(sample.label).toBe(prediction.labels[best]);
    }
  });

  it('accepts the held-out .npy (float64, (x, 5000, 1)) with the same outputs', async () => {
    const npy = readFileSync(path.join(HELDOUT, 'inputs.npy'));
    const res = await upload(gw.predictor, npy, { filename: 'inputs.npy' });
    expect(res.body.errors).toBeUndefined();
    const prediction = res.body.data?.predict as PredictionJson;
    expect(sameBits(flat(prediction), direct)).toBe(true);
    expect(prediction.samples[3]?.id).toBe('3');
  });

  it('accepts float64 .npy of shape (x, 5000)', async () => {
    const first = values.subarray(0, 40 * length);
    const res = await upload(gw.predictor, npyBytes({ descr: '<f8', shape: [40, length], data: first }), {
      filename: 'x.npy',
    });
    expect(res.body.errors).toBeUndefined();
    expect(sameBits(flat(res.body.data?.predict as PredictionJson), direct.subarray(0, 80))).toBe(true);
  });

  it('accepts float32 .npy, widened exactly to float64', async () => {
    const f32 = Float32Array.from(values.subarray(0, 5 * length));
    const res = await upload(gw.predictor, npyBytes({ descr: '<f4', shape: [5, length, 1], data: f32 }), {
      filename: 'x.npy',
    });
    expect(res.body.errors).toBeUndefined();
    const expected = await directRun(Float64Array.from(f32), [length, 1]);
    expect(sameBits(flat(res.body.data?.predict as PredictionJson), expected)).toBe(true);
  });

  it('accepts an explicit version argument', async () => {
    const npy = npyBytes({ descr: '<f8', shape: [1, length], data: values.subarray(0, length) });
    const res = await upload(gw.predictor, npy, { variables: { version: 1 } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.predict.version).toBe(1);
    expect(sameBits(flat(res.body.data?.predict as PredictionJson), direct.subarray(0, 2))).toBe(true);
  });
});

describe('predict with ONNX Runtime on the main thread (ORT_RUNNER=main)', () => {
  it('answers the held-out .npy and XML with the same bits as with the inference worker', async () => {
    const inThread = await startGateway({ ORT_RUNNER: 'main' });
    try {
      const npy = await upload(inThread.predictor, readFileSync(path.join(HELDOUT, 'inputs.npy')), {
        filename: 'inputs.npy',
      });
      const xml = await upload(inThread.predictor, readFileSync(path.join(HELDOUT, 'inputs.xml')), {
        filename: 'inputs.xml',
      });
      expect(sameBits(flat(npy.body.data?.predict as PredictionJson), direct)).toBe(true);
      expect(sameBits(flat(xml.body.data?.predict as PredictionJson), direct)).toBe(true);
    } finally {
      await inThread.stop();
    }
  });
});

describe('models query and health endpoints', () => {
  it('lists the shipped models with their state, input kind and input/output specs', async () => {
    const res = await postJson<{ models: unknown[] }>(
      gw.viewer,
      '{ models { name defaultVersion versions { version state inputKind failureReason labels sha256 maxBatchSize inputs { name dtype shape } outputs { name dtype shape } } } }',
    );
    const shipped = (name: string) => ({
      name,
      defaultVersion: 1,
      versions: [
        expect.objectContaining({
          version: 1,
          state: 'READY',
          inputKind: 'SIGNAL',
          failureReason: null,
          labels: ['normal', 'atrial_fibrillation'],
          maxBatchSize: 32,
          inputs: [{ name: 'signal', dtype: 'float64', shape: [null, 5000, 1] }],
          outputs: [{ name: 'probabilities', dtype: 'float64', shape: [null, 2] }],
        }),
      ],
    });
    const text = {
      name: 'tweet-sentiment',
      defaultVersion: 1,
      versions: [
        expect.objectContaining({
          version: 1,
          state: 'READY',
          inputKind: 'TEXT',
          labels: ['negative', 'neutral', 'positive'],
          maxBatchSize: 32,
          inputs: [{ name: 'ids', dtype: 'int64', shape: [null, 32] }],
          outputs: [{ name: 'probabilities', dtype: 'float32', shape: [null, 3] }],
        }),
      ],
    };
    const image = {
      name: 'digits',
      defaultVersion: 1,
      versions: [
        expect.objectContaining({
          version: 1,
          state: 'READY',
          inputKind: 'IMAGE',
          labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
          inputs: [{ name: 'image', dtype: 'float32', shape: [null, 1, 28, 28] }],
          outputs: [{ name: 'probabilities', dtype: 'float32', shape: [null, 10] }],
        }),
      ],
    };
    expect(res.body.data?.models).toEqual([image, shipped('ecg-rhythm'), shipped('ecg-rhythm-large'), text]);
  });

  it('returns null for an unknown model name', async () => {
    const res = await postJson<{ model: unknown }>(gw.viewer, '{ model(name: "nope") { name } }');
    expect(res.body).toEqual({ data: { model: null } });
  });

  it('reports alive and ready', async () => {
    const health = await fetch(`${gw.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    // The catalogue is shown to authenticated callers only (anonymous ones get the status alone).
    const ready = await fetch(`${gw.baseUrl}/readyz`, { headers: headersOf(gw.viewer) });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      models: [
        { model: 'digits', version: 1, state: 'READY' },
        { model: 'ecg-rhythm', version: 1, state: 'READY' },
        { model: 'ecg-rhythm-large', version: 1, state: 'READY' },
        { model: 'tweet-sentiment', version: 1, state: 'READY' },
      ],
    });
  });
});
