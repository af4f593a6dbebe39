/**
 * A text model served beside the shipped signal model: `predictTexts` over real HTTP against a direct ONNX Runtime
 * run on the ids the texts become, each bad text refused with its code (the gateway serving on after each), and a
 * request of the wrong kind refused either way. The model is a tiny classifier built in the test.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { postJson, upload, type GraphQLResponse } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { MODEL_DIR } from '../support/reference';
import { TEXT_MODEL_VOCABULARY, textModelOnnx } from '../support/typed-models';
import { tokens, xmlBatch } from '../support/xml';

const PREDICT_TEXTS = `mutation($model: String!, $texts: [TextInput!]!) {
  predictTexts(model: $model, texts: $texts) { model version shape outputs samples { id label probabilities } }
}`;

interface TextPrediction {
  predictTexts: {
    model: string;
    version: number;
    shape: number[];
    outputs: number[][];
    samples: { id: string; label: string; probabilities: number[] }[];
  };
}

let gw: RunningGateway;
let onnxFile: string;

beforeAll(async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'infergraph-text-models-'));
  cpSync(MODEL_DIR, path.join(root, 'ecg-rhythm', '1'), { recursive: true });
  const dir = path.join(root, 'tiny-text', '1');
  mkdirSync(dir, { recursive: true });
  const onnx = textModelOnnx();
  onnxFile = path.join(dir, 'model.onnx');
  writeFileSync(onnxFile, onnx);
  writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(TEXT_MODEL_VOCABULARY));
  const manifest = {
    name: 'tiny-text',
    version: 1,
    file: 'model.onnx',
    sha256: createHash('sha256').update(onnx).digest('hex'),
    sizeBytes: onnx.length,
    inputs: [{ name: 'ids', dtype: 'int64', shape: ['N', 6] }],
    outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['N', 2] }],
    labels: ['unhappy', 'happy'],
    input: {
      kind: 'text',
      text: {
        tokenizer: 'infergraph-words-1',
        vocabulary: 'vocab.json',
        maxLength: 6,
        padId: 0,
        unknownId: 1,
        maxChars: 80,
      },
    },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  gw = await startGateway({ MODELS_DIR: root, MAX_SAMPLES_PER_REQUEST: '8' });
});
afterAll(() => gw.stop());

/** The model run directly on `ids` (rows of 6), as float64 values. */
async function direct(ids: number[][]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(onnxFile);
  try {
    const data = BigInt64Array.from(ids.flat(), (v) => BigInt(v));
    const out = await session.run({ ids: new ort.Tensor('int64', data, [ids.length, 6]) });
    const values = Array.from(out['probabilities']?.data as Float32Array);
    return ids.map((_row, i) => values.slice(i * 2, i * 2 + 2));
  } finally {
    await session.release();
  }
}

const predictTexts = (
  texts: { id?: string; text: string }[],
  model = 'tiny-text',
): Promise<GraphQLResponse<TextPrediction>> => postJson<TextPrediction>(gw.predictor, PREDICT_TEXTS, { model, texts });

async function stillServes(): Promise<void> {
  const res = await predictTexts([{ text: 'great flight' }]);
  expect(res.body.data?.predictTexts.shape).toEqual([1, 2]);
}

describe('a text model', () => {
  it('is listed with inputKind TEXT', async () => {
    const res = await postJson<{ model: { versions: { inputKind: string; state: string }[] } }>(
      gw.viewer,
      '{ model(name: "tiny-text") { versions { inputKind state } } }',
    );
    expect(res.body.data?.model.versions).toEqual([{ inputKind: 'TEXT', state: 'READY' }]);
  });

  it('answers predictTexts with the bits of a direct ONNX Runtime run on the ids the texts become, in order', async () => {
    const texts = [
      { id: 'tweet-1', text: '@united GREAT flight!!' },
      { text: 'late, late and late again (2 hours)' },
      { text: 'Nothing I know' },
    ];
    const res = await predictTexts(texts);
    expect(res.body.errors).toBeUndefined();
    // <user> great flight ! ! | late late <unk> late <unk> <num> (cut at 6) | <unk> <unk> <unk>
    const ids = [
      [5, 2, 6, 4, 4, 0],
      [3, 3, 1, 3, 1, 7],
      [1, 1, 1, 0, 0, 0],
    ];
    const expected = await direct(ids);
    const prediction = res.body.data?.predictTexts;
    expect(prediction).toMatchObject({ model: 'tiny-text', version: 1, shape: [3, 2] });
    expect(prediction?.outputs).toEqual(expected);
    expect(prediction?.samples.map((s) => s.id)).toEqual(['tweet-1', '1', '2']);
    expect(prediction?.samples.map((s) => s.label)).toEqual(
      expected.map(([unhappy = 0, happy = 0]) => (happy > unhappy ? 'happy' : 'unhappy')),
    );
  });

  it.each([
    ['no texts', [], 'EMPTY_BATCH'],
    ['an empty text', [{ text: 'fine' }, { text: '   ' }], 'TEXT_EMPTY'],
    ['a text over maxChars', [{ text: 'late '.repeat(17) }], 'TEXT_TOO_LONG'],
    ['a control character', [{ text: 'late\u0000' }], 'TEXT_INVALID'],
    ['a lone surrogate', [{ text: 'late \ud800' }], 'TEXT_INVALID'],
    [
      'more texts than MAX_SAMPLES_PER_REQUEST',
      Array.from({ length: 9 }, () => ({ text: 'late' })),
      'TOO_MANY_SAMPLES',
    ],
  ])('refuses %s with its code, and serves on', async (_label, texts, code) => {
    const res = await predictTexts(texts);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.data ?? null).toBeNull();
    await stillServes();
  });

  it('refuses a file sent to it, and texts sent to a signal model, with INPUT_KIND_MISMATCH', async () => {
    const file = await upload(gw.predictor, xmlBatch([tokens(5000)]), { variables: { model: 'tiny-text' } });
    expect(file.body.errors?.[0]?.extensions).toMatchObject({
      code: 'INPUT_KIND_MISMATCH',
      expected: 'text',
      received: 'file',
    });
    const texts = await predictTexts([{ text: 'late' }], 'ecg-rhythm');
    expect(texts.body.errors?.[0]?.extensions).toMatchObject({
      code: 'INPUT_KIND_MISMATCH',
      expected: 'signal',
      received: 'texts',
    });
    await stillServes();
    expect((await upload(gw.predictor, xmlBatch([tokens(5000)]))).body.data?.predict.shape).toEqual([1, 2]);
  });

  it('is refused to a VIEWER, as predict is', async () => {
    const res = await postJson(gw.viewer, PREDICT_TEXTS, { model: 'tiny-text', texts: [{ text: 'late' }] });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
