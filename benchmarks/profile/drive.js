#!/usr/bin/env node
/*
 * Loads the gateway with 32-sample predict uploads and measures, per thread of the gateway, where the CPU goes.
 *
 * Starts `node -r ./dist/telemetry/register.js dist/main.js` from the repo root with the environment of
 * benchmarks/bench.ts (run `npm run build` first), logs in, checks one response, warms up (2 connections for 2 s, then
 * the chosen concurrency for 3 s), waits for a quiet machine, then runs autocannon (in this process, as bench.ts does)
 * while reading /proc/<pid>/task/<tid>/schedstat of every gateway thread once a second.
 *
 * usage (repo root): node benchmarks/profile/drive.js [--format npy|xml] [--c 4] [--seconds 20] [--prof]
 *   [--prof-dir DIR] [--interval US] [--env KEY=VALUE]... [--label NAME] [--out FILE] [--no-gdb] [--direct]
 *   --format   npy: the heldout batch as .npy; xml: the same 32 records as XML, built as bench.ts `xmlOf` does
 *   --prof     node --cpu-prof (sampling every --interval µs, default 1000) into --prof-dir (default a new
 *              /tmp/gw-prof-XXXXXX); V8 writes one .cpuprofile per thread (main and each worker thread)
 *   --env      extra gateway environment, e.g. --env ORT_RUNNER=thread (repeatable)
 *   --out      result JSON (default <prof-dir or /tmp/gw-profile>/<label>.json); feed it to analyse.js
 *   --direct   no gateway: ONNX Runtime alone (dist's OrtBackend, same options and --env ORT_*) on the same batch for
 *              --seconds, in this process: samples/s, wall and CPU ms per batch per thread (the floor to compare with)
 *
 * How threads are named (every gateway thread has comm "node", so comm alone says nothing):
 *  - JS threads, exactly: the gateway gets this file as an extra preload (-r). Node runs preloads in the main thread
 *    and in every worker thread (workers inherit execArgv); there it only appends {tid, threadId, entry} to a log:
 *    tid from readlink(/proc/thread-self), Node's threadId (the 4th number in --cpu-prof file names) and the
 *    `*.worker.js` entry the thread loaded (ort-session.worker -> "ort-worker", xml-decode.worker -> "xml-worker").
 *  - native threads: after the load window (outside it: gdb stops the gateway for about a second) one
 *    `gdb -batch -p PID -ex "thread apply all bt"` and each thread's frames: threadpool.c -> libuv-pool,
 *    PlatformWorkerThread -> v8-platform (V8's GC helpers and concurrent compilers, shared by all isolates),
 *    DelayedTaskScheduler -> v8-delayed, SamplingEventsProcessor -> v8-profiler (--prof only: one per profiled
 *    thread), inspector -> inspector-io, libonnxruntime -> ort-native (ONNX Runtime's own threads: an intra-op pool
 *    per session, the busy one is ecg-rhythm's). With --no-gdb they stay "native". The raw backtraces are kept
 *    beside the result as <out>.gdb.txt.
 *
 * Output: one line of throughput, then per thread: on-CPU % of one core over the window (schedstat run time),
 * run-queue wait % (runnable but not running: the 2 cores were busy), and CPU ms per request. Sum of on-CPU over
 * all threads vs 200 % is the machine's capacity; "others" is CPU used outside gateway and driver (should be ~0).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/* ---- preload mode: inside the gateway, record this thread and stop here ---------------------------------------- */
if (require.main !== module) {
  const log = process.env.PROFILE_THREAD_LOG;
  if (log) {
    const { threadId } = require('node:worker_threads');
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    setImmediate(() => {
      const script = Object.keys(require.cache).find((f) => f.endsWith('.worker.js'));
      const entry =
        threadId === 0
          ? 'main'
          : ({ 'ort-session.worker.js': 'ort-worker', 'xml-decode.worker.js': 'xml-worker' }[
              path.basename(script ?? '')
            ] ?? `worker:${path.basename(script ?? '?')}`);
      fs.appendFileSync(log, `${JSON.stringify({ tid, threadId, entry })}\n`);
    });
  }
  return;
}

const { spawn, execFileSync } = require('node:child_process');
const os = require('node:os');
const ROOT = path.resolve(__dirname, '../..');
const autocannon = require(path.join(ROOT, 'node_modules/autocannon'));

const argv = process.argv.slice(2);
const arg = (name, def) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const FORMAT = arg('format', 'npy');
const C = Number(arg('c', '4'));
const SECONDS = Number(arg('seconds', '20'));
const PROF = argv.includes('--prof');
const LABEL = arg('label', argv.includes('--direct') ? 'direct' : `${FORMAT}-c${C}${PROF ? '-prof' : ''}`);
const PROF_DIR = PROF ? (arg('prof-dir', null) ?? fs.mkdtempSync('/tmp/gw-prof-')) : null;
const OUT = arg('out', path.join(PROF_DIR ?? '/tmp/gw-profile', `${LABEL}.json`));
const ENV = Object.fromEntries(
  argv.flatMap((a, i) => (a === '--env' ? [argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])),
);
if (!['npy', 'xml'].includes(FORMAT)) throw new Error('--format npy|xml');

/* ---- request bodies (as benchmarks/bench.ts) ------------------------------------------------------------------ */
const L = 5000,
  ROWS = 32;
const ADMIN_PASSWORD = 'benchmark horse battery staple 42';
function heldout() {
  const bytes = fs.readFileSync(path.join(ROOT, 'models/ecg-rhythm/1/heldout/inputs.npy'));
  return new Float64Array(
    bytes.buffer.slice(bytes.byteOffset + 10 + bytes.readUInt16LE(8), bytes.byteOffset + bytes.length),
  );
}
function npyOf(values, rows) {
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
function xmlOf(values, rows) {
  const samples = Array.from(
    { length: rows },
    (_, r) =>
      `  <sample id="r${r}">${Array.from(values.subarray(r * L, (r + 1) * L), (v) => String(v)).join(' ')}</sample>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<batch xmlns="urn:infergraph:batch:1">\n${samples.join('\n')}\n</batch>\n`;
}
async function multipart(file, filename) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: Upload!) { predict(model: "ecg-rhythm", file: $f) { shape } }',
      variables: { f: null },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([file]), filename);
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') };
}

/* ---- /proc --------------------------------------------------------------------------------------------------- */
/** Per thread: cumulative on-CPU and run-queue wait (ns) from schedstat. */
function threadTimes(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const [runNs, waitNs] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      out.set(Number(tid), { runNs, waitNs });
    } catch {
      /* the thread ended */
    }
  }
  return out;
}
function diffTimes(a, b) {
  const out = new Map();
  for (const [tid, t1] of b) {
    const t0 = a.get(tid) ?? { runNs: 0, waitNs: 0 };
    out.set(tid, { runNs: t1.runNs - t0.runNs, waitNs: t1.waitNs - t0.waitNs });
  }
  return out;
}
function systemBusyNs() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((x, y) => x + y, 0); // user..steal (guest is already inside user)
  return { busy: (total - f[3] - f[4]) * 1e7, total: total * 1e7 }; // USER_HZ = 100
}

/** Native thread roles from one gdb backtrace of every thread (kept in `save`); {} without gdb. */
function gdbRoles(pid, save) {
  let text;
  try {
    text = execFileSync('gdb', ['-batch', '-nx', '-p', String(pid), '-ex', 'thread apply all bt 40'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    text = e.stdout ?? '';
  }
  fs.writeFileSync(save, text);
  const roles = {};
  for (const block of text.split(/\nThread \d+ /).slice(1)) {
    const tid = Number(/\(LWP (\d+)\)/.exec(block)?.[1]);
    const role = /node::worker::Worker/.test(block)
      ? 'node-worker'
      : /threadpool\.c/.test(block)
        ? 'libuv-pool'
        : /PlatformWorkerThread/.test(block)
          ? 'v8-platform'
          : /DelayedTaskScheduler/.test(block)
            ? 'v8-delayed'
            : /SamplingEventsProcessor/.test(block)
              ? 'v8-profiler'
              : /inspector/.test(block)
                ? 'inspector-io'
                : /libonnxruntime/.test(block)
                  ? 'ort-native'
                  : /NodeMainInstance/.test(block)
                    ? 'main'
                    : 'native';
    if (tid) roles[tid] = role;
  }
  return roles;
}

/* ---- gateway ------------------------------------------------------------------------------------------------- */
async function startGateway(threadLog, dataDir) {
  const prof = PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, '--cpu-prof-interval', arg('interval', '1000')] : [];
  const child = spawn(
    process.execPath,
    [...prof, '-r', __filename, '-r', './dist/telemetry/register.js', 'dist/main.js'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        MODELS_DIR: path.join(ROOT, 'models'),
        DATA_DIR: dataDir,
        // Production refuses a predictable secret.
        JWT_SECRET: require('node:crypto').randomBytes(48).toString('base64url'),
        ADMIN_PASSWORD,
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        PREDICT_RATE_LIMIT_PER_MINUTE: '1000000',
        PREDICT_MAX_CONCURRENCY: '1000',
        ORT_INTRA_OP_THREADS: '0',
        PROFILE_THREAD_LOG: threadLog,
        ...ENV,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /"port":(\d+)[^\n]*gateway listening/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${out.slice(-500)}`)));
  });
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

const writeOut = (summary) => {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, `${JSON.stringify(summary, null, 2)}\n`);
};

/** --direct: ONNX Runtime alone (dist's OrtBackend, the gateway's session options), ecg-rhythm at batch 32, here. */
async function direct(values) {
  const { OrtBackend } = require(path.join(ROOT, 'dist/inference/onnx/ort-backend.js'));
  const backend = new OrtBackend({
    intraOpNumThreads: Number(ENV.ORT_INTRA_OP_THREADS ?? 0),
    allowSpinning: ENV.ORT_ALLOW_SPINNING === '1',
  });
  const session = await backend.open(path.join(ROOT, 'models/ecg-rhythm/1/model.onnx'));
  const input = { data: values.subarray(0, ROWS * L), dims: [ROWS, L, 1] };
  for (let i = 0; i < 5; i += 1) await session.run(input);
  const c0 = threadTimes(process.pid),
    t0 = process.hrtime.bigint();
  let runs = 0;
  while (Number(process.hrtime.bigint() - t0) < SECONDS * 1e9) {
    await session.run(input);
    runs += 1;
  }
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const threads = [...diffTimes(c0, threadTimes(process.pid))]
    .filter(([, d]) => d.runNs > elapsedNs / 100)
    .map(([tid, d]) => ({
      tid,
      role: tid === process.pid ? 'caller' : 'ort intra-op',
      cpuPct: (100 * d.runNs) / elapsedNs,
      msPerBatch: d.runNs / 1e6 / runs,
    }));
  await session.release();
  const summary = {
    label: LABEL,
    direct: true,
    batch: ROWS,
    runs,
    samplesPerSecond: (runs * ROWS) / (elapsedNs / 1e9),
    wallMsPerBatch: elapsedNs / 1e6 / runs,
    threads,
  };
  writeOut(summary);
  console.log(
    `${LABEL}: direct ORT batch ${ROWS}: ${summary.samplesPerSecond.toFixed(0)} samples/s, ${summary.wallMsPerBatch.toFixed(2)} ms/batch wall, CPU ${threads.reduce((a, t) => a + t.msPerBatch, 0).toFixed(2)} ms/batch`,
  );
  for (const t of threads)
    console.log(
      `  ${t.role.padEnd(16)} tid ${String(t.tid).padEnd(7)} cpu ${t.cpuPct.toFixed(1).padStart(5)} %  ${t.msPerBatch.toFixed(2).padStart(6)} ms/batch`,
    );
}

let gateway = null; // the child process, killed on any failure
async function main() {
  const values = heldout();
  if (argv.includes('--direct')) return direct(values);
  const body = await (FORMAT === 'npy'
    ? multipart(npyOf(values, ROWS), 'batch.npy')
    : multipart(xmlOf(values, ROWS), 'batch.xml'));
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const threadLog = `${OUT}.threads.jsonl`;
  fs.rmSync(threadLog, { force: true });
  const dataDir = fs.mkdtempSync('/tmp/gw-profile-data-');
  const { child, url } = await startGateway(threadLog, dataDir);
  gateway = child;
  const pid = child.pid;

  const login = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { accessToken } }`,
    }),
  });
  const headers = {
    authorization: `Bearer ${(await login.json()).data.login.accessToken}`,
    'apollo-require-preflight': 'true',
    'content-type': body.contentType,
  };
  const check = await (await fetch(url, { method: 'POST', headers, body: body.body })).text();
  if (!check.includes(`"shape":[${ROWS},2]`)) throw new Error(`unexpected response: ${check.slice(0, 300)}`);
  const load = (connections, duration) =>
    autocannon({ url, method: 'POST', connections, duration, headers, body: body.body });
  await load(2, 2);
  await load(C, 3);
  for (let i = 0; i < 60; i += 1) {
    // a quiet machine before the window (another benchmark, the warm-up's tail)
    const a = systemBusyNs();
    await new Promise((r) => setTimeout(r, 1000));
    const b = systemBusyNs();
    if ((b.busy - a.busy) / (b.total - a.total) < 0.04) break;
  }

  const sys0 = systemBusyNs(),
    own0 = threadTimes(process.pid),
    g0 = threadTimes(pid),
    t0 = process.hrtime.bigint();
  const perSecond = [];
  let prev = g0;
  const timer = setInterval(() => {
    const g = threadTimes(pid);
    perSecond.push(
      Object.fromEntries(
        [...diffTimes(prev, g)].filter(([, d]) => d.runNs > 5e6).map(([tid, d]) => [tid, +(d.runNs / 1e7).toFixed(1)]),
      ),
    );
    prev = g;
  }, 1000);
  const result = await load(C, SECONDS);
  clearInterval(timer);
  const t1 = process.hrtime.bigint(),
    g1 = threadTimes(pid),
    own1 = threadTimes(process.pid),
    sys1 = systemBusyNs();

  const native = argv.includes('--no-gdb') ? {} : gdbRoles(pid, `${OUT}.gdb.txt`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  gateway = null;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const js = new Map(
    fs
      .readFileSync(threadLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .map((r) => [r.tid, r]),
  );

  const elapsedNs = Number(t1 - t0);
  const ok = result.requests.total - result.non2xx - result.errors;
  const counts = {};
  const threads = [...diffTimes(g0, g1)]
    .map(([tid, d]) => {
      let role = js.get(tid)?.entry ?? (tid === pid ? 'main' : (native[tid] ?? 'native'));
      if (!js.has(tid) && tid !== pid) {
        counts[role] = (counts[role] ?? 0) + 1;
        role = `${role}#${counts[role]}`;
      }
      return {
        tid,
        role,
        threadId: js.get(tid)?.threadId,
        cpuPct: (100 * d.runNs) / elapsedNs,
        runqWaitPct: (100 * d.waitNs) / elapsedNs,
        msPerRequest: d.runNs / 1e6 / ok,
      };
    })
    .sort((a, b) => a.tid - b.tid);
  const sum = (m) => [...m.values()].reduce((a, d) => a + d.runNs, 0);
  const gatewayPct = threads.reduce((a, t) => a + t.cpuPct, 0),
    driverPct = (100 * sum(diffTimes(own0, own1))) / elapsedNs;
  const machinePct = (100 * os.cpus().length * (sys1.busy - sys0.busy)) / (sys1.total - sys0.total);
  const profiles = PROF
    ? fs
        .readdirSync(PROF_DIR)
        .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
        .map((f) => {
          const threadId = Number(f.split('.')[4]);
          return {
            file: path.join(PROF_DIR, f),
            threadId,
            role: [...js.values()].find((r) => r.threadId === threadId)?.entry ?? `thread${threadId}`,
          };
        })
    : [];

  const summary = {
    label: LABEL,
    format: FORMAT,
    connections: C,
    seconds: SECONDS,
    prof: PROF,
    env: ENV,
    date: new Date().toISOString(),
    window: { startUs: Number(t0 / 1000n), endUs: Number(t1 / 1000n) }, // CLOCK_MONOTONIC, the clock of .cpuprofile timestamps
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    samplesPerSecond: (ok * ROWS) / (elapsedNs / 1e9),
    requestsPerSecond: ok / (elapsedNs / 1e9),
    latency: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
    },
    cpu: {
      gatewayPct,
      driverPct,
      machinePct,
      othersPct: machinePct - gatewayPct - driverPct,
      gatewayMsPerRequest: threads.reduce((a, t) => a + t.msPerRequest, 0),
      threads,
    },
    perSecond,
    profiles,
  };
  writeOut(summary);
  console.log(
    `${LABEL}: ${summary.samplesPerSecond.toFixed(0)} samples/s (${ok} requests, ${result.non2xx + result.errors} failed), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
  );
  console.log(
    `  gateway ${gatewayPct.toFixed(0)} % (${summary.cpu.gatewayMsPerRequest.toFixed(1)} ms CPU/request), driver ${driverPct.toFixed(0)} %, machine ${machinePct.toFixed(0)} % of ${100 * os.cpus().length} %, others ${summary.cpu.othersPct.toFixed(0)} %`,
  );
  for (const t of threads.filter((x) => x.cpuPct >= 0.1))
    console.log(
      `  ${t.role.padEnd(16)} tid ${String(t.tid).padEnd(7)} cpu ${t.cpuPct.toFixed(1).padStart(5)} %  runq-wait ${t.runqWaitPct.toFixed(1).padStart(5)} %  ${t.msPerRequest.toFixed(2).padStart(6)} ms/request`,
    );
  for (const p of profiles) console.log(`  profile ${p.role}: ${p.file}`);
  console.log(`  -> ${OUT}`);
}
main().catch((e) => {
  console.error(e);
  gateway?.kill('SIGTERM');
  process.exit(1);
});
