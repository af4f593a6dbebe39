/**
 * The shipped `tweet-sentiment` model on its whole test split, read from the shared data folder (the tweets are not
 * in the repository) and split by the recipe's own code: the gateway's tokenizer gives the ids the recipe trained
 * with, `predictTexts` over real HTTP gives the bits of a direct ONNX Runtime run on those ids, and the accuracy and
 * macro-F1 through the API are the ones the recipe recorded in the manifest.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { TextBatchEncoder, parseVocabulary } from '../../src/codec/text/text-batch-encoder';
import { postJson } from '../support/graphql-client';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';

jest.setTimeout(120_000);

const MODEL = path.join(REPO_ROOT, 'models', 'tweet-sentiment', '1');
const DATA =
  process.env['TWEET_SENTIMENT_DATA'] ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'airline-tweets', 'tweets.csv');

interface Manifest {
  readonly labels: string[];
  readonly input: { readonly text: { maxLength: number; padId: number; unknownId: number; maxChars: number } };
  readonly training: { readonly seed: number };
  readonly evaluation: { readonly test: { n: number; accuracy: number; macroF1: number } };
}
const manifest = JSON.parse(readFileSync(path.join(MODEL, 'manifest.json'), 'utf8')) as Manifest;

/** The recipe's test split, with the ids its tokenizer gives (Python, the code training ran). */
function testSplit(): { text: string; label: number; ids: number[] }[] {
  const script = `
import json, sys
sys.path.insert(0, "training/tweet-sentiment")
from data import load_dataset
from tokenizer import Vocabulary
vocab = Vocabulary.load("${MODEL}/vocab.json")
for e in load_dataset(sys.argv[1], int(sys.argv[2])).splits["test"]:
    print(json.dumps({"text": e.text, "label": e.label, "ids": vocab.encode(e.text, int(sys.argv[3]))}))
`;
  const args = [String(manifest.training.seed), String(manifest.input.text.maxLength)];
  const out = execFileSync('/usr/bin/python3', ['-c', script, DATA, ...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  return out
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { text: string; label: number; ids: number[] });
}

/** Macro-F1 over the classes, as scikit-learn computes it (a class never predicted nor present scores 0). */
function macroF1(truth: readonly number[], predicted: readonly number[], classes: number): number {
  let sum = 0;
  for (let c = 0; c < classes; c += 1) {
    const tp = truth.filter((t, i) => t === c && predicted[i] === c).length;
    const fp = predicted.filter((p, i) => p === c && truth[i] !== c).length;
    const fn = truth.filter((t, i) => t === c && predicted[i] !== c).length;
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes;
}

const argmax = (row: readonly number[]): number => row.indexOf(Math.max(...row));

describe('tweet-sentiment on its whole test split', () => {
  if (!existsSync(DATA)) {
    // The data lives beside the repository (../shared), never in it; CI provides it.
    it('needs the airline tweets', () => {
      throw new Error(`${DATA} is missing: see training/tweet-sentiment/README.md (Data), or set TWEET_SENTIMENT_DATA`);
    });
    return;
  }
  let split: ReturnType<typeof testSplit>;
  let gw: RunningGateway;
  beforeAll(async () => {
    split = testSplit();
    gw = await startGateway();
  });
  afterAll(() => gw.stop());

  it("tokenises every test tweet to the recipe's ids", () => {
    const { text } = manifest.input;
    const vocabulary = parseVocabulary(readFileSync(path.join(MODEL, 'vocab.json'), 'utf8'), text);
    const encoder = new TextBatchEncoder(vocabulary, text);
    expect(split).toHaveLength(manifest.evaluation.test.n);
    const batch = encoder.encode(
      split.map((s) => ({ text: s.text })),
      split.length,
    );
    const mismatches = split.filter(
      (s, i) => s.ids.join() !== [...batch.values.subarray(i * text.maxLength, (i + 1) * text.maxLength)].join(),
    );
    expect(mismatches.map((m) => m.text)).toEqual([]);
  });

  it('answers with the bits of a direct ONNX Runtime run, and the accuracy and macro-F1 the recipe reports', async () => {
    const res = await postJson<{ predictTexts: { outputs: number[][]; samples: { label: string }[] } }>(
      gw.predictor,
      'mutation($t: [TextInput!]!) { predictTexts(model: "tweet-sentiment", texts: $t) { outputs samples { label } } }',
      { t: split.map((s) => ({ text: s.text })) },
    );
    expect(res.body.errors).toBeUndefined();
    const outputs = res.body.data?.predictTexts.outputs ?? [];

    const { maxLength } = manifest.input.text;
    const session = await ort.InferenceSession.create(path.join(MODEL, 'model.onnx'));
    try {
      const ids = BigInt64Array.from(
        split.flatMap((s) => s.ids),
        (v) => BigInt(v),
      );
      const direct = await session.run({ ids: new ort.Tensor('int64', ids, [split.length, maxLength]) });
      const values = Array.from(direct['probabilities']?.data as Float32Array);
      const width = manifest.labels.length;
      expect(outputs).toEqual(split.map((_s, i) => values.slice(i * width, (i + 1) * width)));
    } finally {
      await session.release();
    }

    const predicted = outputs.map(argmax);
    const truth = split.map((s) => s.label);
    const accuracy = predicted.filter((p, i) => p === truth[i]).length / truth.length;
    expect(accuracy).toBeCloseTo(manifest.evaluation.test.accuracy, 12);
    expect(macroF1(truth, predicted, manifest.labels.length)).toBeCloseTo(manifest.evaluation.test.macroF1, 12);
    expect(res.body.data?.predictTexts.samples.map((s) => s.label)).toEqual(predicted.map((p) => manifest.labels[p]));
  });
});
