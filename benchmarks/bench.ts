/**
 * The performance suite of issue #6: `npm run bench` (builds, then runs this).
 *
 * Everything is measured in one run on this machine, and the targets are ratios between figures of that run:
 *
 *  - direct `InferenceSession.run` (the gateway's own `OrtBackend`) per model and batch size: throughput, p50/p99;
 *  - the gateway (`node dist/main.js` as its own process, real HTTP, autocannon as the load generator) on 32-sample
 *    `.npy` and XML uploads at concurrency 1, 4 and 16; one-sample requests at concurrency 1 and 64 (batching on, and
 *    off with `BATCH_MAX_DELAY_MS=0`) on both models;
 *  - the floors: `xmllint --noout --schema` on the same XML file (libxml2 in C) and a bare Node HTTP server taking the
 *    same multipart upload;
 *  - the gateway's peak resident memory, and its resident memory across 10,000 requests after warm-up.
 *
 * Writes `benchmarks/results/bench.json` and `benchmarks/RESULTS.md`. Nothing here asserts: the report says which
 * targets hold and by how much the others miss.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OrtBackend } from '../src/inference/onnx/ort-backend';
import { startGatewayProcess, type GatewayProcess } from './gateway-process';
import { report, type BaselineKey, type BenchResults, type DirectFigure, type LoadFigure } from './bench-report';

const ROOT = path.resolve(__dirname, '..');
const L = 5000;
const MODELS = ['ecg-rhythm', 'ecg-rhythm-large'] as const;
type ModelName = (typeof MODELS)[number];

const quick = process.argv.includes('--quick');
/** `--threads N`: ORT_INTRA_OP_THREADS for the gateway and the direct runs (default 0: ONNX Runtime's choice). */
const threadsArg = process.argv.indexOf('--threads');
const THREADS = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : 0;
const DURATION_S = quick ? 3 : 8;

function npy(values: Float64Array, rows: number): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${L}, 1), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([
    head,
    Buffer.from(header, 'latin1'),
    Buffer.from(values.buffer, values.byteOffset, rows * L * 8),
  ]);
}

function heldout(): Float64Array {
  const bytes = readFileSync(path.join(ROOT, 'models/ecg-rhythm/1/heldout/inputs.npy'));
  const offset = 10 + bytes.readUInt16LE(8);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length));
}

/** A 32-record XML batch, as `npm run npy2xml` writes one (shortest round-trip numbers). */
function xmlOf(values: Float64Array, rows: number): string {
  const samples = Array.from(
    { length: rows },
    (_, r) =>
      `  <sample id="r${r}">${Array.from(values.subarray(r * L, (r + 1) * L), (v) => String(v)).join(' ')}</sample>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<batch xmlns="urn:infergraph:batch:1">\n${samples.join('\n')}\n</batch>\n`;
}

async function multipart(
  file: Buffer | string,
  filename: string,
  model: ModelName,
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation($f: Upload!) { predict(model: "${model}", file: $f) { shape } }`,
      variables: { f: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([file]), filename);
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? '' };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Direct `InferenceSession.run` on the gateway's backend: samples/s and latency percentiles (ms) per batch size. */
async function direct(
  model: ModelName,
  batch: number,
  values: Float64Array,
  seconds = DURATION_S * 0.5,
): Promise<DirectFigure> {
  const backend = new OrtBackend({ intraOpNumThreads: THREADS, allowSpinning: false });
  const session = await backend.open(path.join(ROOT, 'models', model, '1', 'model.onnx'));
  try {
    const input = { data: values.subarray(0, batch * L), dims: [batch, L, 1] };
    for (let i = 0; i < 3; i += 1) await session.run(input);
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until || times.length < 5) {
      const t = performance.now();
      await session.run(input);
      times.push(performance.now() - t);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    return { batch, samplesPerSecond: (batch * 1000) / mean, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  } finally {
    await session.release();
  }
}

/** Runs autocannon against `url` with a fixed body; throughput in samples/s given `samples` per request. */
async function load(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  connections: number,
  samples: number,
  seconds = DURATION_S,
): Promise<LoadFigure> {
  const result = await autocannon({ url, method: 'POST', connections, duration: seconds, headers, body });
  const okRequests = result.requests.total - result.non2xx - result.errors;
  return {
    connections,
    requestsPerSecond: result.requests.average,
    samplesPerSecond: (okRequests * samples) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** Sequential requests timed one by one with sub-millisecond resolution (autocannon reports whole milliseconds). */
async function latency(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  count = quick ? 200 : 1000,
): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count + 20; i += 1) {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body });
    await res.arrayBuffer();
    if (i >= 20) times.push(performance.now() - started);
  }
  const sorted = times.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** The gateway with this run's intra-op threads. */
function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  return startGatewayProcess({ ORT_INTRA_OP_THREADS: String(THREADS), ...env });
}

/** The transport floor: a bare Node server that reads the whole upload and answers a small JSON. */
async function bareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"predict":{"shape":[1,2]}}}'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** `xmllint --noout --schema` on the file, 100 repetitions in one process: ms per parse and validation. */
function xmllint(file: string): number {
  const started = performance.now();
  execFileSync('xmllint', ['--noout', '--repeat', '--schema', path.join(ROOT, 'schema/batch.v1.xsd'), file], {
    stdio: 'ignore',
  });
  return (performance.now() - started) / 100;
}

async function main(): Promise<void> {
  const values = heldout();
  const results: BenchResults = {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      date: new Date().toISOString(),
      quick,
      threads: THREADS,
    },
    direct: {},
    baselines: {},
    gateway: {},
    floors: { xmllintMs: NaN, bareHttp: [], bareLatency: { p50: NaN, p99: NaN } },
    oneSampleLatency: { p50: NaN, p99: NaN },
    memory: { peakRssBytes: NaN, series: [] },
  };
  /** Runs a gateway phase between two direct runs of `model` at `batch` (the gateway idle), kept as its baseline. */
  const beside = async <T>(key: BaselineKey, model: ModelName, batch: number, phase: () => Promise<T>): Promise<T> => {
    const before = await direct(model, batch, values, DURATION_S * 0.25);
    const result = await phase();
    results.baselines[key] = { model, before, after: await direct(model, batch, values, DURATION_S * 0.25) };
    return result;
  };
  for (const model of MODELS)
    results.direct[model] = [
      await direct(model, 1, values),
      await direct(model, 8, values),
      await direct(model, 32, values),
    ];

  const dir = mkdtempSync(path.join(os.tmpdir(), 'infergraph-bench-files-'));
  const xmlFile = path.join(dir, 'batch32.xml');
  writeFileSync(xmlFile, xmlOf(values, 32));
  results.floors.xmllintMs = xmllint(xmlFile);

  const bodies = {
    npy32: await multipart(npy(values, 32), 'batch.npy', 'ecg-rhythm'),
    xml32: await multipart(readFileSync(xmlFile, 'utf8'), 'batch.xml', 'ecg-rhythm'),
    one: await multipart(npy(values, 1), 'one.npy', 'ecg-rhythm'),
    oneLarge: await multipart(npy(values, 1), 'one.npy', 'ecg-rhythm-large'),
  };
  const bare = await bareServer();
  for (const connections of [1, 4]) {
    results.floors.bareHttp.push(
      await load(bare.url, { 'content-type': bodies.one.contentType }, bodies.one.body, connections, 1),
    );
  }
  results.floors.bareLatency = await latency(bare.url, { 'content-type': bodies.one.contentType }, bodies.one.body);
  await bare.close();

  for (const batching of ['on', 'off'] as const) {
    const gw = await startGateway(batching === 'on' ? {} : { BATCH_MAX_DELAY_MS: '0' });
    const h = (ct: string) => ({ ...gw.headers, 'content-type': ct });
    const figures: Record<string, LoadFigure[]> = {};
    await load(gw.url, h(bodies.npy32.contentType), bodies.npy32.body, 2, 32, 2); // warm-up
    if (batching === 'on') {
      figures['npy32'] = [];
      figures['xml32'] = [];
      for (const c of [1, 4, 16]) {
        const phase = () => load(gw.url, h(bodies.npy32.contentType), bodies.npy32.body, c, 32);
        figures['npy32'].push(c === 4 ? await beside('npy4', 'ecg-rhythm', 32, phase) : await phase());
      }
      for (const c of [1, 4, 16]) {
        const phase = () => load(gw.url, h(bodies.xml32.contentType), bodies.xml32.body, c, 32);
        figures['xml32'].push(c === 4 ? await beside('xml4', 'ecg-rhythm', 32, phase) : await phase());
      }
    }
    figures['one'] = [
      await load(gw.url, h(bodies.one.contentType), bodies.one.body, 1, 1),
      await load(gw.url, h(bodies.one.contentType), bodies.one.body, 64, 1),
    ];
    if (batching === 'on')
      results.oneSampleLatency = await beside('latency1', 'ecg-rhythm', 1, () =>
        latency(gw.url, h(bodies.one.contentType), bodies.one.body),
      );
    const large64 = () => load(gw.url, h(bodies.oneLarge.contentType), bodies.oneLarge.body, 64, 1);
    figures['oneLarge'] = [
      await load(gw.url, h(bodies.oneLarge.contentType), bodies.oneLarge.body, 1, 1),
      batching === 'on' ? await beside('large64', 'ecg-rhythm-large', 32, large64) : await large64(),
    ];
    if (batching === 'on') {
      // Resident memory across 10,000 one-sample requests after the traffic above (the warm-up).
      const total = quick ? 2_000 : 10_000;
      const step = total / 10;
      results.memory.series.push({ requests: 0, rssBytes: gw.rss() });
      for (let done = step; done <= total; done += step) {
        await autocannon({
          url: gw.url,
          method: 'POST',
          connections: 8,
          amount: step,
          headers: h(bodies.one.contentType),
          body: bodies.one.body,
        });
        results.memory.series.push({ requests: done, rssBytes: gw.rss() });
      }
      results.memory.peakRssBytes = gw.peakRss();
    }
    results.gateway[batching] = figures;
    await gw.stop();
  }

  mkdirSync(path.join(ROOT, 'benchmarks/results'), { recursive: true });
  // Runs with other settings go beside the default report instead of replacing it.
  const suffix = THREADS === 0 && !quick ? '' : `.threads-${THREADS}${quick ? '.quick' : ''}`;
  writeFileSync(path.join(ROOT, `benchmarks/results/bench${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = report(results);
  writeFileSync(
    path.join(ROOT, suffix === '' ? 'benchmarks/RESULTS.md' : `benchmarks/results/RESULTS${suffix}.md`),
    markdown,
  );
  process.stdout.write(markdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
