/**
 * ONNX Runtime session options, measured (issue #6): `npx ts-node --transpile-only benchmarks/session-options.ts`.
 *
 * For each model, direct `InferenceSession.run` throughput at batch 1 and 32 under each option set, in rounds that
 * alternate the sets (so drift of the machine's speed spreads over all of them), through the gateway's own
 * `OrtBackend`. Writes `benchmarks/results/session-options.json` and `.md`. Threads and spinning are measured through
 * the whole gateway by `bench.ts --threads N` and `shadow-overhead.ts`, where their effect on the event loop shows.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import path from 'node:path';
import { OrtBackend, type OrtBackendOptions } from '../src/inference/onnx/ort-backend';

const ROOT = path.resolve(__dirname, '..');
const L = 5000;
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const SECONDS = 1.5;

const SETS: Record<string, Partial<OrtBackendOptions>> = {
  'all (default)': {},
  'graph: extended': { graphOptimizationLevel: 'extended' },
  'graph: basic': { graphOptimizationLevel: 'basic' },
  'graph: disabled': { graphOptimizationLevel: 'disabled' },
  'no memory arena': { enableCpuMemArena: false },
  'parallel execution, 2 inter-op threads': { executionMode: 'parallel', interOpNumThreads: 2 },
};

function heldout(): Float64Array {
  const bytes = readFileSync(path.join(ROOT, 'models/ecg-rhythm/1/heldout/inputs.npy'));
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset + 10 + bytes.readUInt16LE(8)));
}

async function samplesPerSecond(
  model: string,
  options: Partial<OrtBackendOptions>,
  batch: number,
  values: Float64Array,
): Promise<number> {
  const session = await new OrtBackend({ intraOpNumThreads: 0, allowSpinning: false, ...options }).open(
    path.join(ROOT, 'models', model, '1', 'model.onnx'),
  );
  try {
    const input = { data: values.subarray(0, batch * L), dims: [batch, L, 1] };
    for (let i = 0; i < 3; i += 1) await session.run(input);
    let runs = 0;
    const started = performance.now();
    while (performance.now() - started < SECONDS * 1000) {
      await session.run(input);
      runs += 1;
    }
    return (runs * batch * 1000) / (performance.now() - started);
  } finally {
    await session.release();
  }
}

async function main(): Promise<void> {
  const values = heldout();
  const figures: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const model of ['ecg-rhythm', 'ecg-rhythm-large']) {
      for (const batch of [1, 32]) {
        for (const [name, options] of Object.entries(SETS)) {
          const key = `${model} batch ${batch}`;
          ((figures[key] ??= {})[name] ??= []).push(await samplesPerSecond(model, options, batch, values));
        }
      }
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const names = Object.keys(SETS);
  const lines = [
    '# ONNX Runtime session options',
    '',
    `\`benchmarks/session-options.ts\`, ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${new Date().toISOString()}; median samples/s of ${ROUNDS} alternating rounds of ${SECONDS} s, and the ratio to the default.`,
    '',
    `| workload | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    ...Object.entries(figures).map(([key, bySet]) => {
      const base = median(bySet['all (default)'] ?? []);
      return `| ${key} | ${names.map((n) => `${median(bySet[n] ?? []).toFixed(0)} (${(median(bySet[n] ?? []) / base).toFixed(2)}x)`).join(' | ')} |`;
    }),
    '',
  ];
  mkdirSync(path.join(ROOT, 'benchmarks/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'benchmarks/results/session-options.json'), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'benchmarks/results/session-options.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
