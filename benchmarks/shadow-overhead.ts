/**
 * Shadow overhead: does a shadow version slow the responses of production? (issue #4, acceptance 3)
 *
 *   npx ts-node --transpile-only benchmarks/shadow-overhead.ts [--requests 200] [--rounds 3] [--out benchmarks/results]
 *
 * Boots the real gateway in this process (composition root, real ONNX Runtime) on a temporary models folder holding
 * the shipped model as version 1 (production) and the retrained test fixture as version 2, and sends the same
 * 32-record `.npy` prediction with autocannon, one connection, in two traffic shapes:
 *
 *  - back-to-back: the next request leaves as soon as the previous answer arrives (the worst case: a mirrored run
 *    that starts in the gap between two requests is still running when the next one arrives);
 *  - paced: one request every 1/r seconds, r a quarter of the back-to-back throughput (traffic with idle gaps).
 *
 * Each shape is measured alternately without a policy (baseline) and with `shadowVersion: 2`, `--rounds` times, so
 * drift affects both sides alike. The result is the ratio of latency percentiles, shadow / baseline, in the same
 * process and run; `modelComparison` confirms the shadow really ran. Results go to `<out>/shadow-overhead.{json,md}`.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/config';
import { bootstrap } from '../src/main';
import { ecgModelsFolder, RETRAINED_ONNX } from '../test/support/models-folder';

const ROOT = path.resolve(__dirname, '..');
const V1 = path.join(ROOT, 'models/ecg-rhythm/1');
const ADMIN_PASSWORD = 'benchmark horse battery staple 42';

interface Args {
  requests: number;
  rounds: number;
  out: string;
  /** ORT_ALLOW_SPINNING for the gateway under test. */
  spinning: '0' | '1';
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { requests: 200, rounds: 3, out: path.join(ROOT, 'benchmarks/results'), spinning: '0' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${String(flag)} needs a value`);
    if (flag === '--requests') args.requests = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--spinning' && (value === '0' || value === '1')) args.spinning = value;
    else throw new Error(`unknown flag ${String(flag)}`);
  }
  return args;
}

/** The first 32 held-out records as an `.npy` upload, as a ready multipart body. */
async function predictBody(): Promise<{ body: Buffer; contentType: string }> {
  const npy = readFileSync(path.join(V1, 'heldout/inputs.npy'));
  const headerLength = 10 + npy.readUInt16LE(8);
  const header = npy
    .subarray(0, headerLength)
    .toString('latin1')
    .replace(/\(300, 5000, 1\)/, '(32, 5000, 1)');
  const file = Buffer.concat([
    Buffer.from(header.padEnd(headerLength, ' '), 'latin1'),
    npy.subarray(headerLength, headerLength + 32 * 5000 * 8),
  ]);
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!) { predict(model: "ecg-rhythm", file: $f) { version shape } }',
      variables: { f: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([file]), 'batch.npy');
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? '' };
}

async function graphql(url: string, token: string, query: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const json = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
  if (json.errors !== undefined) throw new Error(JSON.stringify(json.errors));
  return json.data ?? {};
}

interface Measure {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  rps: number;
  non2xx: number;
}

async function measure(
  url: string,
  token: string,
  body: { body: Buffer; contentType: string },
  amount: number,
  rate?: number,
): Promise<Measure> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 1,
    amount,
    ...(rate === undefined ? {} : { overallRate: rate }),
    headers: { 'content-type': body.contentType, authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    body: body.body,
  });
  return {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    mean: result.latency.average,
    rps: result.requests.average,
    non2xx: result.non2xx + result.errors,
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * Open-loop traffic at exactly one request every `intervalMs` (autocannon's `overallRate` sends each second's quota
 * back to back, which is not the idle-gap traffic this shape is meant to show).
 */
async function paced(
  url: string,
  token: string,
  body: { body: Buffer; contentType: string },
  amount: number,
  intervalMs: number,
): Promise<Measure> {
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  for (let i = 0; i < amount; i += 1) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': body.contentType,
        authorization: `Bearer ${token}`,
        'apollo-require-preflight': 'true',
      },
      body: body.body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - sent);
    if (res.status !== 200) failed += 1;
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean,
    rps: 1000 / intervalMs,
    non2xx: failed,
  };
}

type Percentiles = { p50: number; p90: number; p99: number };
interface Run {
  args: Args;
  pacedRate: number;
  machine: Record<string, unknown>;
  summary: { shape: string; baseline: Percentiles; shadow: Percentiles; ratio: Percentiles; failed: number }[];
  rows: unknown[];
  comparison: Record<string, unknown>;
}

/** The Markdown report of every run kept in the JSON file, one section per variant. */
function report(runs: Record<string, Run>): string {
  const lines = [
    '# Shadow overhead (issue #4)',
    '',
    'Written by `benchmarks/shadow-overhead.ts`; do not edit by hand. One connection sends the same 32-record `.npy`',
    'prediction, in phases alternating baseline (no policy) and shadow (version 2). Back-to-back: autocannon, the next',
    'request leaves when the previous answer arrives. Paced: one request every 1/r s, r a quarter of back-to-back',
    'throughput. Latencies in ms, averaged over rounds; ratio = shadow / baseline. Comparisons that could not find a quiet',
    'moment are dropped (`MIRROR_QUEUE_MAX`), so `requests` below counts the shadow runs that happened.',
  ];
  for (const [variant, run] of Object.entries(runs)) {
    lines.push(
      '',
      `## ${variant}`,
      '',
      `${run.args.requests} requests per phase, ${run.args.rounds} rounds; paced at ${run.pacedRate} requests/s. ` +
        `Machine: ${String(run.machine.cpu)}, ${String(run.machine.cores)} cores, node ${String(run.machine.node)}, ${String(run.machine.date)}.`,
      '',
      '| traffic | baseline p50 | shadow p50 | ratio p50 | baseline p90 | shadow p90 | ratio p90 | baseline p99 | shadow p99 | ratio p99 | failed |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...run.summary.map(
        (s) =>
          `| ${s.shape} | ${s.baseline.p50} | ${s.shadow.p50} | ${s.ratio.p50} | ${s.baseline.p90} | ${s.shadow.p90} | ${s.ratio.p90} | ${s.baseline.p99} | ${s.shadow.p99} | ${s.ratio.p99} | ${s.failed} |`,
      ),
      '',
      `Shadow comparisons recorded meanwhile: \`${JSON.stringify(run.comparison.modelComparison)}\``,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    MODELS_DIR: ecgModelsFolder([{ version: 1 }, { version: 2, onnx: RETRAINED_ONNX }]),
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'infergraph-shadow-bench-data-')),
    ADMIN_PASSWORD,
    PREDICT_RATE_LIMIT_PER_MINUTE: '1000000',
    PREDICT_MAX_CONCURRENCY: '64',
    ORT_ALLOW_SPINNING: args.spinning,
  };
  const gateway = await bootstrap(loadConfig(env, ROOT), { logger: pino({ level: 'silent' }) });
  const port = await gateway.start();
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    const login = await graphql(
      url,
      '',
      `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { accessToken } }`,
    ).catch(async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { accessToken } }`,
        }),
      });
      return ((await res.json()) as { data: Record<string, unknown> }).data;
    });
    const token = (login.login as { accessToken: string }).accessToken;
    await graphql(url, token, 'mutation { promoteModel(name: "ecg-rhythm", version: 1) { promoted } }');
    const body = await predictBody();
    const policy = (shadow: boolean) =>
      graphql(
        url,
        token,
        `mutation { setTrafficPolicy(name: "ecg-rhythm", policy: { ${shadow ? 'shadowVersion: 2' : ''} }) { shadowVersion } }`,
      );

    await measure(url, token, body, 30); // warm-up
    const backToBack = await measure(url, token, body, args.requests);
    const pacedRate = Math.max(1, Math.floor(backToBack.rps / 4));
    const intervalMs = 1000 / pacedRate;
    const rows: { shape: string; round: number; policy: string; m: Measure }[] = [];
    for (let round = 1; round <= args.rounds; round += 1) {
      for (const [shape, rate] of [
        ['back-to-back', undefined],
        ['paced', pacedRate],
      ] as const) {
        for (const shadow of round % 2 === 1 ? [false, true] : [true, false]) {
          await policy(shadow);
          const m =
            rate === undefined
              ? await measure(url, token, body, args.requests)
              : await paced(url, token, body, args.requests, intervalMs);
          rows.push({ shape, round, policy: shadow ? 'shadow v2' : 'none', m });
          await new Promise((r) => setTimeout(r, 500)); // let queued mirror jobs finish between phases
        }
      }
    }
    const comparison = await graphql(
      url,
      token,
      '{ modelComparison(name: "ecg-rhythm") { kind requests failures samples agreementRate meanAbsDifference candidateMeanLatencyMs baselineMeanLatencyMs } }',
    );
    const summary = (['back-to-back', 'paced'] as const).map((shape) => {
      const of = (p: string) => rows.filter((r) => r.shape === shape && r.policy === p).map((r) => r.m);
      const avg = (ms: Measure[], k: keyof Measure) => ms.reduce((s, m) => s + m[k], 0) / ms.length;
      const [base, shadow] = [of('none'), of('shadow v2')];
      return {
        shape,
        baseline: { p50: round2(avg(base, 'p50')), p90: round2(avg(base, 'p90')), p99: round2(avg(base, 'p99')) },
        shadow: { p50: round2(avg(shadow, 'p50')), p90: round2(avg(shadow, 'p90')), p99: round2(avg(shadow, 'p99')) },
        ratio: {
          p50: round2(avg(shadow, 'p50') / avg(base, 'p50')),
          p90: round2(avg(shadow, 'p90') / avg(base, 'p90')),
          p99: round2(avg(shadow, 'p99') / avg(base, 'p99')),
        },
        failed: [...base, ...shadow].reduce((s, m) => s + m.non2xx, 0),
      };
    });
    const machine = {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memoryGiB: round2(os.totalmem() / 2 ** 30),
      node: process.version,
      date: new Date().toISOString(),
    };
    mkdirSync(args.out, { recursive: true });
    const file = path.join(args.out, 'shadow-overhead.json');
    const runs: Record<string, Run> = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Run>)
      : {};
    runs[`ORT_ALLOW_SPINNING=${args.spinning}`] = { args, pacedRate, machine, summary, rows, comparison };
    writeFileSync(file, `${JSON.stringify(runs, null, 2)}\n`);
    const md = report(runs);
    writeFileSync(path.join(args.out, 'shadow-overhead.md'), md);
    process.stdout.write(`${md}\n`);
  } finally {
    await gateway.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
