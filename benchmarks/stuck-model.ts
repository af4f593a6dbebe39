/**
 * A stuck model beside the shipped one: do the shipped model's predictions keep their latency while another model's
 * run never returns? (issue #12, acceptance 2)
 *
 *   npm run build && npx ts-node --transpile-only benchmarks/stuck-model.ts [--runner process|thread]
 *     [--requests 300] [--rounds 3] [--out benchmarks/results]
 *
 * Starts `dist/main.js` (production settings, `gateway-process.ts`) on a models folder with a copy of the shipped `ecg-rhythm`, registers
 * and loads a `spinning` model over HTTP (the shipped contract around a `Loop` of 10⁹ trips per unit of the input's
 * largest value: its warm-up passes, a real record spins for minutes), then per round, in the same process and run:
 *
 *  1. baseline: `--requests` sequential one-sample predictions of `ecg-rhythm`, then as many 32-sample ones;
 *  2. stuck: one prediction on `spinning` with a real record, and once it is inside the model the same two series;
 *  3. the spinning request ends at `INFERENCE_DEADLINE_MS`, its runner is stopped and the version fails; it is
 *     loaded again for the next round.
 *
 * The result is the ratio stuck / baseline of each latency percentile. With `--runner thread` a stuck thread cannot
 * be stopped, so only the first round has a clean baseline (later ones run beside the threads of earlier rounds).
 * Results go to `<out>/stuck-model-<runner>.{json,md}`.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spinningLoopOnnx } from '../test/support/spinning-model';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';

const ROOT = path.resolve(__dirname, '..');
const SHIPPED = path.join(ROOT, 'models/ecg-rhythm/1');
const L = 5000;
const DEADLINE_MS = 20_000;

interface Args {
  runner: 'process' | 'thread';
  requests: number;
  rounds: number;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runner: 'process', requests: 300, rounds: 3, out: path.join(ROOT, 'benchmarks/results') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${String(flag)} needs a value`);
    if (flag === '--runner' && (value === 'process' || value === 'thread')) args.runner = value;
    else if (flag === '--requests') args.requests = Number(value);
    else if (flag === '--rounds') args.rounds = Number(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else throw new Error(`unknown flag ${String(flag)}`);
  }
  return args;
}

/** The first `rows` held-out records from `from` as an `.npy` file. */
function npy(from: number, rows: number): Buffer {
  const bytes = readFileSync(path.join(SHIPPED, 'heldout/inputs.npy'));
  const offset = 10 + bytes.readUInt16LE(8);
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${L}, 1), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(header.length, 8);
  const data = bytes.subarray(offset + from * L * 8, offset + (from + rows) * L * 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

/** A multipart GraphQL body: `query` with `$f` the file. */
async function multipart(query: string, variables: object, file: Buffer, filename: string) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([file]), filename);
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? '' };
}

interface Gateway {
  readonly process: GatewayProcess;
  post(body: { body: Buffer; contentType: string }): Promise<{ errors?: { extensions?: { code?: string } }[] }>;
  graphql(query: string): Promise<Record<string, unknown>>;
}

/** The gateway on a models folder holding a copy of the shipped `ecg-rhythm` only. */
async function startGateway(runner: Args['runner']): Promise<Gateway> {
  const models = mkdtempSync(path.join(os.tmpdir(), 'infergraph-stuck-bench-'));
  cpSync(SHIPPED, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
  const gateway = await startGatewayProcess({
    MODELS_DIR: models,
    ORT_RUNNER: runner,
    INFERENCE_DEADLINE_MS: String(DEADLINE_MS),
    SHUTDOWN_TIMEOUT_MS: '1000',
  });
  const { url, headers } = gateway;
  return {
    process: gateway,
    post: async ({ body, contentType }) => {
      const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
      return (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    },
    graphql: async (query) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: headers['authorization'] ?? '', 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const json = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
      if (json.errors !== undefined) throw new Error(JSON.stringify(json.errors));
      return json.data ?? {};
    },
  };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Latency {
  p50: number;
  p90: number;
  p99: number;
}

/** `count` sequential predictions of `body` (after 10 unmeasured), each checked, timed one by one (ms). */
async function series(gateway: Gateway, body: { body: Buffer; contentType: string }, count: number): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < count + 10; i += 1) {
    const started = performance.now();
    const res = await gateway.post(body);
    if (res.errors !== undefined) throw new Error(`ecg-rhythm failed: ${JSON.stringify(res.errors)}`);
    if (i >= 10) times.push(performance.now() - started);
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
}

async function until(check: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const gateway = await startGateway(args.runner);
  const spec = (name: string, shape: (number | null)[]) => ({ name, dtype: 'float64', shape });
  const manifest = {
    inputs: [spec('signal', [null, L, 1])],
    outputs: [spec('probabilities', [null, 2])],
    labels: ['normal', 'atrial_fibrillation'],
  };
  const register = await multipart(
    'mutation($f: Upload!, $m: ModelManifestInput) { registerModel(name: "spinning", file: $f, manifest: $m) { version } }',
    { m: manifest },
    spinningLoopOnnx(0, 1e9),
    'model.onnx',
  );
  const registered = await gateway.post(register);
  if (registered.errors !== undefined) throw new Error(JSON.stringify(registered.errors));
  const one = await multipart(
    'mutation($f: Upload!) { predict(model: "ecg-rhythm", file: $f) { shape } }',
    {},
    npy(1, 1),
    'a.npy',
  );
  const batch = await multipart(
    'mutation($f: Upload!) { predict(model: "ecg-rhythm", file: $f) { shape } }',
    {},
    npy(0, 32),
    'b.npy',
  );
  const spin = await multipart(
    'mutation($f: Upload!) { predict(model: "spinning", file: $f) { shape } }',
    {},
    npy(0, 1),
    's.npy',
  );
  const state = async (): Promise<string> => {
    const data = await gateway.graphql('{ model(name: "spinning") { versions { state } } }');
    return (data['model'] as { versions: { state: string }[] }).versions[0]?.state ?? 'missing';
  };
  const rounds: { baseline: Record<string, Latency>; stuck: Record<string, Latency>; spinCode: string }[] = [];
  try {
    for (let round = 0; round < args.rounds; round += 1) {
      await gateway.graphql('mutation { loadModel(name: "spinning", version: 1) { state } }');
      const baseline = {
        one: await series(gateway, one, args.requests),
        batch32: await series(gateway, batch, args.requests / 3),
      };
      const started = performance.now();
      const spinning = gateway.post(spin);
      // Inside the model: its batch has been handed over (the batch-wait histogram counts it).
      await until(async () => {
        const metrics = await fetch(gateway.process.url.replace('/graphql', '/metrics')).then((r) => r.text());
        return new RegExp(
          `^infergraph_batch_wait_seconds_count\\{[^}]*model="spinning"[^}]*\\} ${round + 1}$`,
          'm',
        ).test(metrics);
      }, 'the spinning run to start');
      const stuck = {
        one: await series(gateway, one, args.requests),
        batch32: await series(gateway, batch, args.requests / 3),
      };
      const measuredMs = performance.now() - started;
      if (measuredMs > DEADLINE_MS)
        throw new Error(`the stuck series outlasted the deadline (${Math.round(measuredMs)} ms)`);
      const answer = await spinning;
      rounds.push({ baseline, stuck, spinCode: answer.errors?.[0]?.extensions?.code ?? 'answered' });
      await until(async () => (await state()) === 'FAILED', 'the spinning version to fail', DEADLINE_MS * 2);
      process.stdout.write(`round ${round + 1}: ${JSON.stringify(rounds.at(-1))}\n`);
    }
  } finally {
    await gateway.process.stop();
  }
  const ratio = (kind: 'one' | 'batch32', p: keyof Latency) =>
    rounds.map((r) => Math.round(((r.stuck[kind]?.[p] ?? NaN) / (r.baseline[kind]?.[p] ?? NaN)) * 100) / 100);
  const summary = {
    runner: args.runner,
    requests: args.requests,
    date: new Date().toISOString(),
    rounds,
    ratios: {
      one: { p50: ratio('one', 'p50'), p90: ratio('one', 'p90'), p99: ratio('one', 'p99') },
      batch32: { p50: ratio('batch32', 'p50'), p90: ratio('batch32', 'p90'), p99: ratio('batch32', 'p99') },
    },
  };
  mkdirSync(args.out, { recursive: true });
  const base = path.join(args.out, `stuck-model-${args.runner}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(summary, null, 2)}\n`);
  const ms = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));
  const lines = [
    `# Shipped model latency beside a stuck model (ORT_RUNNER=${args.runner})`,
    '',
    `${summary.date}; \`benchmarks/stuck-model.ts --runner ${args.runner} --requests ${args.requests}\`. Sequential`,
    'predictions of `ecg-rhythm` (one sample; 32 samples) before and while a `spinning` request is inside its model;',
    'ms, and the ratio stuck / baseline per round.',
    '',
    '| round | series | baseline p50 / p90 / p99 | stuck p50 / p90 / p99 | ratio p50 / p90 / p99 | spinning request |',
    '|---|---|---|---|---|---|',
    ...rounds.flatMap((r, i) =>
      (['one', 'batch32'] as const).map((kind) => {
        const b = r.baseline[kind];
        const s = r.stuck[kind];
        const q = (p: keyof Latency) => ((s?.[p] ?? NaN) / (b?.[p] ?? NaN)).toFixed(2);
        return `| ${i + 1} | ${kind === 'one' ? '1 sample' : '32 samples'} | ${ms(b?.p50)} / ${ms(b?.p90)} / ${ms(b?.p99)} | ${ms(s?.p50)} / ${ms(s?.p90)} / ${ms(s?.p99)} | ${q('p50')} / ${q('p90')} / ${q('p99')} | ${r.spinCode} |`;
      }),
    ),
    '',
  ];
  writeFileSync(`${base}.md`, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
