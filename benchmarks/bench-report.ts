/** One load-generator figure: throughput and latency (ms) at a number of connections. */
export interface LoadFigure {
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly samplesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

/** Direct `InferenceSession.run` at one batch size. */
export interface DirectFigure {
  readonly batch: number;
  readonly samplesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** The direct run a target compares with, measured right before and right after the gateway phase it judges. */
export interface Baseline {
  readonly model: string;
  readonly before: DirectFigure;
  readonly after: DirectFigure;
}

/** Keys of {@link BenchResults.baselines}, one per target that compares with ONNX Runtime. */
export type BaselineKey = 'npy4' | 'xml4' | 'large64' | 'latency1';

/** Everything `bench.ts` measures in one run. */
export interface BenchResults {
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    date: string;
    quick: boolean;
    threads: number;
  };
  direct: Record<string, DirectFigure[]>;
  /**
   * The machine's speed drifts over a run (a shared 2-core VM: direct batch-32 throughput has varied 1.5–3.5k
   * samples/s between runs), so each ratio uses the direct run measured beside its own phase.
   */
  baselines: Partial<Record<BaselineKey, Baseline>>;
  /** By batching `on`/`off`, then by workload: `npy32`, `xml32`, `one`, `oneLarge`. */
  gateway: Record<string, Record<string, LoadFigure[]>>;
  floors: { xmllintMs: number; bareHttp: LoadFigure[]; bareLatency: { p50: number; p99: number } };
  /** One-sample requests to the gateway one after another, timed with sub-millisecond resolution. */
  oneSampleLatency: { p50: number; p99: number };
  memory: { peakRssBytes: number; series: { requests: number; rssBytes: number }[] };
}

const f = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const mib = (bytes: number): string => f(bytes / 2 ** 20, 1);

interface Target {
  readonly name: string;
  readonly measured: string;
  readonly goal: string;
  readonly holds: boolean;
}

/** The mean of a baseline's two measurements. */
function baseline(r: BenchResults, key: BaselineKey): { samplesPerSecond: number; p50: number } {
  const b = r.baselines[key];
  if (b === undefined) return { samplesPerSecond: NaN, p50: NaN };
  return {
    samplesPerSecond: (b.before.samplesPerSecond + b.after.samplesPerSecond) / 2,
    p50: (b.before.p50 + b.after.p50) / 2,
  };
}

function targets(r: BenchResults): Target[] {
  const on = r.gateway['on'] ?? {};
  const npy4 = on['npy32']?.find((x) => x.connections === 4);
  const xml4 = on['xml32']?.find((x) => x.connections === 4);
  const large64 = on['oneLarge']?.find((x) => x.connections === 64);

  const npyRatio = (npy4?.samplesPerSecond ?? NaN) / baseline(r, 'npy4').samplesPerSecond;
  const xmlFloor = 32 / ((r.floors.xmllintMs + baseline(r, 'xml4').p50) / 1000);
  const xmlRatio = (xml4?.samplesPerSecond ?? NaN) / xmlFloor;
  const largeRatio = (large64?.samplesPerSecond ?? NaN) / baseline(r, 'large64').samplesPerSecond;
  const overhead = r.oneSampleLatency.p50 - baseline(r, 'latency1').p50;
  const bare = r.floors.bareLatency.p50;
  const rss = r.memory.series.map((s) => s.rssBytes);
  const first = rss[0] ?? NaN;
  const growth = ((rss[rss.length - 1] ?? NaN) - first) / first;
  const spread = (Math.max(...rss) - Math.min(...rss)) / Math.min(...rss);
  return [
    {
      name: '32-sample NPY, concurrency 4 vs direct batch-32 throughput',
      measured: `${f(npyRatio)}x`,
      goal: '≥ 0.85x',
      holds: npyRatio >= 0.85,
    },
    {
      name: '32-sample XML, concurrency 4 vs 32 / (xmllint + ORT batch time)',
      measured: `${f(xmlRatio)}x (floor ${f(xmlFloor, 0)} samples/s)`,
      goal: '≥ 0.85x',
      holds: xmlRatio >= 0.85,
    },
    {
      name: 'ecg-rhythm-large, 64 one-sample clients vs direct batch-32 throughput',
      measured: `${f(largeRatio)}x, ${large64?.failed ?? '—'} failed`,
      goal: '≥ 0.7x, none failed',
      holds: largeRatio >= 0.7 && large64?.failed === 0,
    },
    {
      name: 'one sample at a time: p50 latency beyond direct ORT batch-1 vs bare HTTP round trip p50',
      measured: `${f(overhead, 3)} ms vs ${f(bare, 3)} ms (${f(overhead / bare)}x)`,
      goal: '≤ 2x',
      holds: overhead <= 2 * bare,
    },
    {
      name: 'resident memory, last vs first sample of the request series after warm-up',
      measured: `${f(growth * 100, 1)} % (min-to-max spread ${f(spread * 100, 1)} %)`,
      goal: '≤ 5 %',
      holds: Math.abs(growth) <= 0.05,
    },
  ];
}

function loadTable(title: string, figures: readonly LoadFigure[] | undefined): string[] {
  if (figures === undefined) return [];
  return [
    `| ${title} | connections | requests/s | samples/s | p50 ms | p99 ms | failed |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...figures.map(
      (x) =>
        `| | ${x.connections} | ${f(x.requestsPerSecond, 1)} | ${f(x.samplesPerSecond, 1)} | ${f(x.p50, 1)} | ${f(x.p99, 1)} | ${x.failed} |`,
    ),
    '',
  ];
}

/** The Markdown report: targets first, then every figure they come from. */
export function report(r: BenchResults): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` (\`benchmarks/bench.ts\`); do not edit by hand. ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB,`,
    `node ${r.machine.node}, ${r.machine.date}${r.machine.quick ? ' (quick run: shorter phases)' : ''}, ORT_INTRA_OP_THREADS=${r.machine.threads}. Every ratio compares figures of this one run.`,
    '',
    '## Targets',
    '',
    '| target | measured | goal | holds |',
    '|---|---|---|---|',
    ...targets(r).map((t) => `| ${t.name} | ${t.measured} | ${t.goal} | ${t.holds ? 'yes' : '**no**'} |`),
    '',
    '## Baselines beside each target',
    '',
    'Direct `InferenceSession.run` measured right before and right after the gateway phase a target judges; the ratio uses their mean.',
    '',
    '| target phase | model | batch | before: samples/s, p50 ms | after: samples/s, p50 ms |',
    '|---|---|---:|---:|---:|',
    ...Object.entries(r.baselines).map(
      ([key, b]) =>
        `| ${key} | ${b.model} | ${b.before.batch} | ${f(b.before.samplesPerSecond, 1)}, ${f(b.before.p50)} | ${f(b.after.samplesPerSecond, 1)}, ${f(b.after.p50)} |`,
    ),
    '',
    "## Direct ONNX Runtime (`InferenceSession.run`, the gateway's session options, at the start of the run)",
    '',
    '| model | batch | samples/s | p50 ms | p99 ms |',
    '|---|---:|---:|---:|---:|',
    ...Object.entries(r.direct).flatMap(([model, rows]) =>
      rows.map((d) => `| ${model} | ${d.batch} | ${f(d.samplesPerSecond, 1)} | ${f(d.p50)} | ${f(d.p99)} |`),
    ),
    '',
    '## Gateway (its own process, real HTTP, autocannon)',
    '',
    ...loadTable('32-sample NPY, ecg-rhythm', r.gateway['on']?.['npy32']),
    ...loadTable('32-sample XML, ecg-rhythm', r.gateway['on']?.['xml32']),
    ...loadTable('1 sample, ecg-rhythm, batching on', r.gateway['on']?.['one']),
    ...loadTable('1 sample, ecg-rhythm, batching off', r.gateway['off']?.['one']),
    ...loadTable('1 sample, ecg-rhythm-large, batching on', r.gateway['on']?.['oneLarge']),
    ...loadTable('1 sample, ecg-rhythm-large, batching off', r.gateway['off']?.['oneLarge']),
    '## Floors',
    '',
    `- \`xmllint --noout --schema\` on the same 32-record XML file: ${f(r.floors.xmllintMs)} ms per parse and validation (100 repetitions in one process).`,
    `- One-sample round trip, one request at a time (timed per request): bare Node server p50 ${f(r.floors.bareLatency.p50, 3)} ms, p99 ${f(r.floors.bareLatency.p99, 3)} ms; gateway p50 ${f(r.oneSampleLatency.p50, 3)} ms, p99 ${f(r.oneSampleLatency.p99, 3)} ms.`,
    '',
    ...loadTable('bare Node HTTP server, same one-sample upload', r.floors.bareHttp),
    '## Memory',
    '',
    `Peak resident memory of the gateway: ${mib(r.memory.peakRssBytes)} MiB. Resident memory across the request series (after the traffic above):`,
    '',
    '| requests | RSS MiB |',
    '|---:|---:|',
    ...r.memory.series.map((s) => `| ${s.requests} | ${mib(s.rssBytes)} |`),
    '',
  ];
  return `${lines.join('\n')}\n`;
}
