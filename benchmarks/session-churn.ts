/**
 * Session churn: does unloading a model really give its memory back? (issue #4)
 *
 *   node --expose-gc -r ts-node/register/transpile-only benchmarks/session-churn.ts [--cycles 50] [--out benchmarks/results]
 *   npx ts-node --transpile-only benchmarks/session-churn.ts [--cycles 50]     (re-executes itself with --expose-gc)
 *
 * Uses the gateway's own {@link OrtBackend} on `models/ecg-rhythm/1/model.onnx`:
 *
 *  1. Baseline: one warm-up cycle (open, run one 32 x 5000 batch, release), gc, then RSS and heap.
 *  2. Churn: N cycles of open, run one 32-sample batch (output checked finite), release, gc; after each cycle
 *     RSS, heapUsed, external, arrayBuffers (and, on Linux, RssAnon / RssFile / threads) and the cycle's times.
 *  3. Residency: K sessions (default 8) opened and kept alive together, one batch run on each, then all released:
 *     RSS before, after the opens, at the peak (after the runs) and after release gives one resident session's cost.
 *     Done twice: the second round's peak shows whether memory still held after the first release is reused.
 *  4. Summary: growth over baseline, least-squares RSS slope over the last half of the cycles, max, per-session cost.
 *
 * Results are merged into `<out>/session-churn.json` (one entry per cycle count, so a 50-cycle and a 200-cycle run
 * sit side by side) and `<out>/session-churn.md` is regenerated from all entries. Nothing here is tuned: ONNX
 * Runtime gets the gateway's own session options (intra-op threads from `--threads`, default 0 = ORT's choice, as
 * `ORT_INTRA_OP_THREADS` defaults to 0), and the process runs with whatever allocator settings the environment has.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import type { Float64Tensor, InferenceSession } from '../src/inference/backend';
import { OrtBackend } from '../src/inference/onnx/ort-backend';

const ROOT = path.resolve(__dirname, '..');
const MODEL = path.join(ROOT, 'models/ecg-rhythm/1/model.onnx');
const SAMPLE_LENGTH = 5000;
const MIB = 1024 * 1024;
const KIB = 1024;

interface Args {
  cycles: number;
  out: string;
  keep: number;
  batch: number;
  threads: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { cycles: 50, out: path.join(ROOT, 'benchmarks/results'), keep: 8, batch: 32, threads: 0 };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const [flag, inline] = raw.includes('=') ? (raw.split(/=(.*)/s, 2) as [string, string]) : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const int = (min: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}`);
      return n;
    };
    switch (flag) {
      case '--cycles':
        args.cycles = int(2);
        break;
      case '--keep':
        args.keep = int(1);
        break;
      case '--batch':
        args.batch = int(1);
        break;
      case '--threads':
        args.threads = int(0);
        break;
      case '--out':
        args.out = path.resolve(value());
        break;
      default:
        throw new Error(
          `unknown argument ${raw}\nusage: session-churn.ts [--cycles 50] [--out dir] [--keep 8] [--batch 32] [--threads 0]`,
        );
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------------------------
// Measurement helpers

const gc: (() => void) | undefined = typeof globalThis.gc === 'function' ? () => void globalThis.gc?.() : undefined;

/** Linux only: the anonymous / file-backed split of RSS, the peak RSS and the thread count, from /proc. */
function procStatus(): { rssAnon: number; rssFile: number; vmHwm: number; threads: number } | undefined {
  try {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * KIB;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? NaN);
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), vmHwm: kb('VmHWM'), threads };
  } catch {
    return undefined;
  }
}

interface Sample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rssAnon?: number;
  rssFile?: number;
  threads?: number;
}

/** gc (twice: weak callbacks of the first pass free native wrappers the second can collect), let the loop turn, sample. */
async function settleAndSample(): Promise<Sample> {
  if (gc) {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  await new Promise((r) => setImmediate(r));
  const m = process.memoryUsage();
  const p = procStatus();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    ...(p ? { rssAnon: p.rssAnon, rssFile: p.rssFile, threads: p.threads } : {}),
  };
}

/** Deterministic batch: sample i is a 1 mV sine at (0.5 + 0.25 i) Hz, 500 Hz sampling, phase i/7. */
function sineBatch(batch: number): Float64Tensor {
  const data = new Float64Array(batch * SAMPLE_LENGTH);
  for (let i = 0; i < batch; i++) {
    const hz = 0.5 + 0.25 * i;
    for (let t = 0; t < SAMPLE_LENGTH; t++)
      data[i * SAMPLE_LENGTH + t] = Math.sin(2 * Math.PI * hz * (t / 500) + i / 7);
  }
  return { data, dims: [batch, SAMPLE_LENGTH, 1] };
}

/** Fails loudly unless the output is [batch, 2] and finite, so every cycle is a real inference. */
function checkOutput(out: Float64Tensor, batch: number): void {
  if (out.dims.length !== 2 || out.dims[0] !== batch || out.dims[1] !== 2) {
    throw new Error(`unexpected output shape [${out.dims.join(', ')}]`);
  }
  for (const v of out.data) if (!Number.isFinite(v)) throw new Error('non-finite output');
}

function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
const mib = (bytes: number): number => round(bytes / MIB, 2);

// ---------------------------------------------------------------------------------------------------------------
// The benchmark

interface Cycle extends Sample {
  cycle: number;
  openMs: number;
  runMs: number;
  releaseMs: number;
  totalMs: number;
}

const SERIES_FIELDS = [
  'openMs',
  'runMs',
  'releaseMs',
  'totalMs',
  'rss',
  'heapUsed',
  'external',
  'arrayBuffers',
  'rssAnon',
  'rssFile',
  'threads',
] as const;

/** Preallocated per-cycle columns. */
class Series {
  private readonly columns: Float64Array[];
  constructor(private readonly length: number) {
    this.columns = SERIES_FIELDS.map(() => new Float64Array(length));
  }
  set(row: number, values: readonly number[]): void {
    for (let f = 0; f < SERIES_FIELDS.length; f++) (this.columns[f] as Float64Array)[row] = values[f] as number;
  }
  rows(): Cycle[] {
    return Array.from({ length: this.length }, (_, row) => {
      const r: Record<string, number> = { cycle: row + 1 };
      SERIES_FIELDS.forEach((name, f) => {
        const v = (this.columns[f] as Float64Array)[row] as number;
        if (!Number.isNaN(v)) r[name] = v;
      });
      return r as unknown as Cycle;
    });
  }
}

async function oneCycle(
  backend: OrtBackend,
  input: Float64Tensor,
  batch: number,
): Promise<Omit<Cycle, keyof Sample | 'cycle'>> {
  const t0 = performance.now();
  const session = await backend.open(MODEL);
  const t1 = performance.now();
  checkOutput(await session.run(input), batch);
  const t2 = performance.now();
  await session.release();
  const t3 = performance.now();
  return {
    openMs: round(t1 - t0, 2),
    runMs: round(t2 - t1, 2),
    releaseMs: round(t3 - t2, 2),
    totalMs: round(t3 - t0, 2),
  };
}

interface Residency {
  sessions: number;
  rssBefore: number;
  rssAfterOpens: number;
  rssPeak: number;
  rssAfterRelease: number;
  rssAfterEachOpen: number[];
  rssAfterEachRun: number[];
  perSessionOpenedBytes: number;
  perSessionResidentBytes: number;
  retainedAfterReleaseBytes: number;
  threadsBefore: number | undefined;
  threadsAtPeak: number | undefined;
  threadsAfterRelease: number | undefined;
}

/** Opens `keep` sessions and keeps them all alive, runs one batch on each, then releases them all. */
async function residency(backend: OrtBackend, input: Float64Tensor, keep: number, batch: number): Promise<Residency> {
  const before = await settleAndSample();
  const sessions: InferenceSession[] = [];
  const rssAfterEachOpen: number[] = [];
  for (let k = 0; k < keep; k++) {
    sessions.push(await backend.open(MODEL));
    rssAfterEachOpen.push((await settleAndSample()).rss);
  }
  const afterOpens = await settleAndSample();
  const rssAfterEachRun: number[] = [];
  for (const s of sessions) {
    checkOutput(await s.run(input), batch);
    rssAfterEachRun.push((await settleAndSample()).rss);
  }
  const peak = await settleAndSample();
  for (const s of sessions) await s.release();
  sessions.length = 0;
  const afterRelease = await settleAndSample();
  return {
    sessions: keep,
    rssBefore: before.rss,
    rssAfterOpens: afterOpens.rss,
    rssPeak: peak.rss,
    rssAfterRelease: afterRelease.rss,
    rssAfterEachOpen,
    rssAfterEachRun,
    perSessionOpenedBytes: (afterOpens.rss - before.rss) / keep,
    perSessionResidentBytes: (peak.rss - before.rss) / keep,
    retainedAfterReleaseBytes: afterRelease.rss - before.rss,
    threadsBefore: before.threads,
    threadsAtPeak: peak.threads,
    threadsAfterRelease: afterRelease.threads,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(MODEL)) throw new Error(`model not found: ${MODEL}`);
  if (!gc) console.warn('warning: global.gc is not available (run node with --expose-gc); figures include garbage');

  const startedAt = new Date().toISOString();
  const atStart = await settleAndSample();
  const backend = new OrtBackend({ intraOpNumThreads: args.threads, allowSpinning: false });
  const input = sineBatch(args.batch);
  const series = new Series(args.cycles);

  // 1. Baseline, after one warm-up cycle (loads libonnxruntime, JIT-compiles this code, first arena growth).
  const warmUp = await oneCycle(backend, input, args.batch);
  const baseline = await settleAndSample();
  console.log(
    `baseline: rss ${mib(baseline.rss)} MiB, heapUsed ${mib(baseline.heapUsed)} MiB (warm-up cycle ${warmUp.totalMs} ms)`,
  );

  // 2. Churn. The series go into typed arrays allocated before the baseline, so recording them does not itself grow
  // the heap during the loop (an object per cycle would add some 300 bytes of heapUsed per cycle).
  for (let c = 1; c <= args.cycles; c++) {
    const t = await oneCycle(backend, input, args.batch);
    const s = await settleAndSample();
    series.set(c - 1, [
      t.openMs,
      t.runMs,
      t.releaseMs,
      t.totalMs,
      s.rss,
      s.heapUsed,
      s.external,
      s.arrayBuffers,
      s.rssAnon ?? NaN,
      s.rssFile ?? NaN,
      s.threads ?? NaN,
    ]);
    if (c % 10 === 0 || c === args.cycles) {
      console.log(`cycle ${c}: rss ${mib(s.rss)} MiB (+${mib(s.rss - baseline.rss)}), ${t.totalMs} ms`);
    }
  }

  // 3. K resident sessions, twice: the second round shows whether memory kept after the first release is reused.
  const residencyRounds = [];
  for (let round = 1; round <= 2; round++) residencyRounds.push(await residency(backend, input, args.keep, args.batch));
  const residency1 = residencyRounds[0] as Residency;
  const residency2 = residencyRounds[1] as Residency;

  // 4. Summary.
  const cycles: Cycle[] = series.rows();
  const rss = cycles.map((c) => c.rss);
  const last = cycles[cycles.length - 1] as Cycle;
  const half = cycles.slice(Math.floor(cycles.length / 2));
  const fit = linearFit(
    half.map((c) => c.cycle),
    half.map((c) => c.rss),
  );
  const firstHalf = cycles.slice(0, Math.floor(cycles.length / 2));
  const fitFirst = linearFit(
    firstHalf.map((c) => c.cycle),
    firstHalf.map((c) => c.rss),
  );
  const heapFit = linearFit(
    half.map((c) => c.cycle),
    half.map((c) => c.heapUsed),
  );
  const extFit = linearFit(
    half.map((c) => c.cycle),
    half.map((c) => c.external),
  );
  const summary = {
    baselineRssBytes: baseline.rss,
    baselineHeapUsedBytes: baseline.heapUsed,
    finalRssBytes: last.rss,
    finalHeapUsedBytes: last.heapUsed,
    growthRssBytes: last.rss - baseline.rss,
    growthHeapUsedBytes: last.heapUsed - baseline.heapUsed,
    growthExternalBytes: last.external - baseline.external,
    maxRssBytes: Math.max(...rss),
    maxRssCycle: (cycles[rss.indexOf(Math.max(...rss))] as Cycle).cycle,
    rssSlopeKiBPerCycleLastHalf: round(fit.slope / KIB, 2),
    rssSlopeR2LastHalf: round(fit.r2, 3),
    rssSlopeKiBPerCycleFirstHalf: round(fitFirst.slope / KIB, 2),
    heapUsedSlopeKiBPerCycleLastHalf: round(heapFit.slope / KIB, 2),
    externalSlopeKiBPerCycleLastHalf: round(extFit.slope / KIB, 2),
    projectedRssGrowthPer1000CyclesMiB: round((fit.slope * 1000) / MIB, 1),
    medianCycleMs: median(cycles.map((c) => c.totalMs)),
    medianOpenMs: median(cycles.map((c) => c.openMs)),
    medianRunMs: median(cycles.map((c) => c.runMs)),
    medianReleaseMs: median(cycles.map((c) => c.releaseMs)),
    perSessionResidentMiB: mib(residency1.perSessionResidentBytes),
    residentRetainedAfterReleaseMiB: mib(residency1.retainedAfterReleaseBytes),
    residentSecondRoundPeakAboveFirstPeakMiB: mib(residency2.rssPeak - residency1.rssPeak),
    verdict:
      `RSS after ${args.cycles} cycles is ${mib(last.rss - baseline.rss)} MiB above baseline ` +
      `(slope ${round(fit.slope / KIB, 1)} KiB/cycle over the last half)`,
  };
  console.log(summary.verdict);
  for (const [i, r] of residencyRounds.entries()) {
    console.log(
      `residency round ${i + 1}: ${args.keep} sessions, rss ${mib(r.rssBefore)} -> peak ${mib(r.rssPeak)} -> ${mib(r.rssAfterRelease)} MiB ` +
        `after release (${mib(r.perSessionResidentBytes)} MiB per session at peak)`,
    );
  }

  const ortVersion = (
    JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }
  ).version;
  const run = {
    startedAt,
    args: { cycles: args.cycles, keep: args.keep, batch: args.batch, threads: args.threads },
    gcExposed: Boolean(gc),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      totalMemoryBytes: os.totalmem(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      onnxruntimeNode: ortVersion,
      mallocEnv: Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_') || k === 'LD_PRELOAD'),
      ),
    },
    model: path.relative(ROOT, MODEL),
    atStart,
    warmUp,
    baseline,
    cycles,
    residency: residencyRounds,
    summary,
  };

  mkdirSync(args.out, { recursive: true });
  const jsonPath = path.join(args.out, 'session-churn.json');
  let doc: { benchmark: string; runs: Record<string, typeof run> } = { benchmark: 'session-churn', runs: {} };
  if (existsSync(jsonPath)) {
    try {
      doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof doc;
    } catch {
      console.warn(`warning: ${jsonPath} was not valid JSON; starting it afresh`);
    }
  }
  doc.runs[String(args.cycles)] = run;
  writeFileSync(jsonPath, `${stringifyCompactRows(doc)}\n`);
  writeFileSync(path.join(args.out, 'session-churn.md'), renderMarkdown(doc.runs));
  console.log(`wrote ${path.relative(process.cwd(), jsonPath)} and session-churn.md`);
}

/** Pretty JSON, except that each row of a `cycles` series stays on one line (keeps long runs readable and small). */
function stringifyCompactRows(value: unknown): string {
  const rows: string[] = [];
  const text = JSON.stringify(
    value,
    (key, v: unknown) =>
      key === 'cycles' && Array.isArray(v) ? v.map((row) => `@@row${rows.push(JSON.stringify(row)) - 1}@@`) : v,
    2,
  );
  return text.replace(/"@@row(\d+)@@"/g, (_, i: string) => rows[Number(i)] as string);
}

/** What the report reads of one recorded run (the JSON holds more). */
interface RecordedRun {
  readonly startedAt: string;
  readonly args: { readonly cycles: number; readonly batch: number; readonly threads: number };
  readonly gcExposed: boolean;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly totalMemoryBytes: number;
    readonly platform: string;
    readonly node: string;
    readonly onnxruntimeNode: string;
  };
  readonly residency: readonly Residency[];
  readonly summary: {
    readonly baselineRssBytes: number;
    readonly finalRssBytes: number;
    readonly growthRssBytes: number;
    readonly maxRssBytes: number;
    readonly maxRssCycle: number;
    readonly rssSlopeKiBPerCycleLastHalf: number;
    readonly rssSlopeKiBPerCycleFirstHalf: number;
    readonly rssSlopeR2LastHalf: number;
    readonly growthHeapUsedBytes: number;
    readonly medianCycleMs: number;
    readonly verdict: string;
  };
}

function renderMarkdown(runs: Record<string, RecordedRun>): string {
  const entries = Object.values(runs).sort((a, b) => a.args.cycles - b.args.cycles);
  const lines: string[] = [
    '# Session churn (issue #4)',
    '',
    'Written by `benchmarks/session-churn.ts`; do not edit by hand. Each cycle opens `models/ecg-rhythm/1/model.onnx`',
    "with the gateway's `OrtBackend`, runs one deterministic batch (output checked finite) and releases the session;",
    'RSS is sampled after a forced gc. The slope is a least-squares fit of RSS against cycle number over the last half.',
    '',
    '## Churn',
    '',
    '| cycles | baseline RSS | final RSS | growth | max RSS (cycle) | slope, last half | slope, first half | R² | heapUsed growth | median cycle |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of entries) {
    const s = r.summary;
    lines.push(
      `| ${r.args.cycles} | ${mib(s.baselineRssBytes)} MiB | ${mib(s.finalRssBytes)} MiB | ${mib(s.growthRssBytes)} MiB | ` +
        `${mib(s.maxRssBytes)} MiB (${s.maxRssCycle}) | ${s.rssSlopeKiBPerCycleLastHalf} KiB/cycle | ` +
        `${s.rssSlopeKiBPerCycleFirstHalf} KiB/cycle | ${s.rssSlopeR2LastHalf} | ${mib(s.growthHeapUsedBytes)} MiB | ${round(s.medianCycleMs, 2)} ms |`,
    );
  }
  lines.push('', '## Resident sessions', '');
  lines.push(
    'K sessions opened and kept alive together, one batch run on each, then all released; done twice in a row.',
  );
  lines.push(
    'Per-session resident cost = (peak - before) / K in round 1. Round 2 starts from whatever round 1 left behind,',
  );
  lines.push(
    "so its own (peak - before) measures only fresh memory; compare its peak with round 1's to see whether the",
  );
  lines.push('memory kept after release was reused.', '');
  lines.push(
    '| run | round | sessions | RSS before | after opens | peak | after release | peak - round-1 peak | per session (opened) | per session (peak - before) |',
  );
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of entries) {
    const rounds = r.residency;
    rounds.forEach((x, i) => {
      lines.push(
        `| ${r.args.cycles}-cycle run | ${i + 1} | ${x.sessions} | ${mib(x.rssBefore)} MiB | ${mib(x.rssAfterOpens)} MiB | ${mib(x.rssPeak)} MiB | ` +
          `${mib(x.rssAfterRelease)} MiB | ${i === 0 ? '—' : `${mib(x.rssPeak - (rounds[0] as Residency).rssPeak)} MiB`} | ` +
          `${mib(x.perSessionOpenedBytes)} MiB | ${mib(x.perSessionResidentBytes)} MiB |`,
      );
    });
  }
  lines.push('', '## Verdicts', '');
  for (const r of entries) lines.push(`- ${r.summary.verdict}.`);
  lines.push('', '## Machine', '');
  for (const r of entries) {
    const m = r.machine;
    lines.push(
      `- ${r.args.cycles}-cycle run, ${r.startedAt}: ${m.cpu}, ${m.cores} cores, ${mib(m.totalMemoryBytes)} MiB RAM, ${m.platform}, ` +
        `node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, batch ${r.args.batch}, intra-op threads ${r.args.threads || 'ORT default'}, ` +
        `gc ${r.gcExposed ? 'exposed' : 'NOT exposed'}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

// `npx ts-node benchmarks/session-churn.ts` has no --expose-gc: re-execute once with it, so both commands measure the same.
if (!gc && !process.env.SESSION_CHURN_NO_RESPAWN && !process.execArgv.includes('--expose-gc')) {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, SESSION_CHURN_NO_RESPAWN: '1' },
    },
  );
  process.exit(r.status ?? 1);
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  });
}
