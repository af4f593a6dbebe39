#!/usr/bin/env node
/*
 * Reads the V8 CPU profiles (node --cpu-prof) written by drive.js --prof: one per thread of the gateway (main thread,
 * ONNX Runtime worker, XML worker). Only samples inside drive.js's load window count (CLOCK_MONOTONIC µs, the clock of
 * the profiles' timestamps); a sample weighs the time until the next one, as in Chrome DevTools.
 *
 * usage (repo root):
 *   node benchmarks/profile/analyse.js RESULT.json [--thread main|ort-worker|xml-worker] [--top N] [--whole] [--json OUT]
 *   node benchmarks/profile/analyse.js FILE.cpuprofile [--results RESULT.json] [--top N] [--whole]
 *   RESULT.json is drive.js's output (it lists the thread's profile files); --whole ignores the load window.
 *
 * Output, per thread (figures in ms over the window, % of the window, and ms per successful request):
 *  - idle / GC / (program) / busy: "busy" is what the JS thread spent not waiting for its event loop. Native code
 *    called from JS (ONNX Runtime's run, libxml2's parse and validation) counts as busy time of the JS function that
 *    called it; CPU of other native threads (ORT's intra-op pool, V8's GC helpers) is not in any profile: see drive.js.
 *    Busy is wall time: it includes time the thread was runnable but off the CPU (run-queue wait) and time a native
 *    call blocked (ORT's caller waiting for its pool). The "cpu" column (when drive.js measured the thread) spreads
 *    the thread's on-CPU ms/request over the busy samples: an estimate that assumes the off-CPU time is spread evenly.
 *  - top self time: functions where the samples landed.
 *  - areas (exclusive): each sample goes to the innermost frame that belongs to a known area (package or src/
 *    folder); frames of libxmljs2 and of the libxml adapter are decided by the gateway function that called them
 *    (parse, XSD validation, value reading). Node-core frames count only when no area is on the stack.
 *  - top inclusive: time with the function anywhere on the stack (overlaps).
 */
'use strict';
const fs = require('node:fs');

const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : def);
const TOP = Number(opt('top', '15'));

/* ---- areas --------------------------------------------------------------------------------------------------- */
const HTTP =
  'express|router|body-parser|raw-body|cors|helmet|on-finished|finalhandler|send|content-type|type-is|mime-types|accepts|negotiator|depd|http-errors|iconv-lite|qs|statuses|vary|debug|encodeurl|parseurl|path-to-regexp|cookie|etag|fresh|proxy-addr|forwarded|ipaddr\\.js|media-typer|content-disposition|bytes|rate-limiter-flexible|async-mutex';
/** [pattern on "<where>:<function>", area]; first match decides; area null: not decided here, look further out. */
const RULES = [
  [/^src:codec\/xml\/libxml\/libxml\.engine:parseDocument$/, 'XML parse (libxmljs2)'],
  [/^src:codec\/xml\/libxml\/xsd-schema\.loader:validate$/, 'XML schema validation (libxmljs2)'],
  [/^src:codec\/xml\/xml-batch\.decoder:checkSampleCount$/, 'XML sample count (libxmljs2 walk)'],
  [
    /^(src:codec\/xml\/(sample-values\.reader|decimal-double\.parser|decimal-powers\.table):|src:codec\/xml\/xml-batch\.decoder:readSamples$)/,
    'XML values → float64 (src/codec/xml)',
  ],
  [/^(nm:libxmljs2|src:codec\/xml\/libxml\/|src:codec\/xml\/xml-batch\.decoder:)/, null],
  [/^src:codec\/xml\/worker\//, 'XML worker messaging (src/codec/xml/worker)'],
  [/^src:codec\/npy\//, 'NPY decoder (src/codec/npy)'],
  [/^src:codec\//, 'codec, other (src/codec)'],
  [/^(nm:onnxruntime-(node|common)|src:inference\/onnx\/)/, 'ORT (onnxruntime-node, src/inference/onnx)'],
  [/^src:inference\//, 'batcher (src/inference)'],
  [/^(node:internal\/(worker|per_context\/messageport)|builtin:postMessage$)/, 'worker messages (postMessage/receive)'],
  [/^builtin:(stringify|parse)$/, 'JSON (stringify/parse)'],
  [/^src:lib\//, 'src/lib'],
  [/^src:graphql\/upload-source:/, 'upload read (src/graphql/upload-source)'],
  [/^src:graphql\/prediction\.type:/, 'Prediction type → number[][] (src/graphql)'],
  [/^src:graphql\//, 'graphql (gateway resolvers, src/graphql)'],
  [/^src:drift\//, 'drift (src/drift)'],
  [/^(src:store\/|nm:better-sqlite3:)/, 'store (better-sqlite3, src/store)'],
  [
    /^(src:telemetry\/|nm:(@opentelemetry\/[^:]+|prom-client|tdigest|bintrees):)/,
    'telemetry (otel/prom-client/src/telemetry)',
  ],
  [
    /^(src:auth\/|nm:(jsonwebtoken|jws|jwa|safe-buffer|ecdsa-sig-formatter|buffer-equal-constant-time|ms|semver|lodash\.[^:]+):)/,
    'auth (jsonwebtoken, src/auth)',
  ],
  [/^src:prediction\//, 'prediction service (src/prediction)'],
  [/^src:(registry|traffic|limits|config|errors)\//, 'registry/traffic/limits (src)'],
  [new RegExp(`^(src:server/|nm:(${HTTP}):)`), 'http framework (express & middleware)'],
  [/^nm:(graphql-upload-minimal|busboy|streamsearch|dicer):/, 'multipart (graphql-upload-minimal/busboy)'],
  [
    /^nm:(graphql|@apollo\/[^:]+|@as-integrations\/[^:]+|type-graphql|graphql-[^:]+|@graphql-tools\/[^:]+|class-validator|lru-cache|object-hash):/,
    'graphql (apollo/graphql-js)',
  ],
  [
    /^nm:(pino[^:]*|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|safe-stable-stringify):/,
    'logging (pino)',
  ],
  [/^nm:zod:/, 'validation (zod)'],
];
const pkgOf = (url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
/** "<where>:<function>": nm:<package>, src:<path under dist without .js>, node:<module>, or builtin. */
function whereOf({ url, functionName }) {
  const fn = functionName || '(anonymous)';
  if (url === '') return `builtin:${fn}`;
  if (url.startsWith('node:')) return `${url}:${fn}`;
  const pkg = pkgOf(url);
  if (pkg) return `nm:${pkg}:${fn}`;
  const src = /\/dist\/(.+)\.js$/.exec(url);
  return src ? `src:${src[1]}:${fn}` : `other:${url}:${fn}`;
}
/** Area of one frame, or null when the frame does not decide (node internals, builtins, callers decide). */
function frameArea(cf) {
  const special = {
    '(garbage collector)': 'GC',
    '(idle)': 'idle',
    '(program)': '(program) native/unattributed',
    '(root)': null,
  };
  if (cf.functionName in special) return special[cf.functionName];
  const key = whereOf(cf);
  for (const [re, area] of RULES) if (re.test(key)) return area;
  if (key.startsWith('nm:')) return `other package: ${key.split(':')[1]}`;
  if (key.startsWith('src:')) return `src/${key.split(':')[1].split('/')[0]}`;
  return null;
}
const coreArea = ({ url, functionName }) =>
  url.startsWith('node:')
    ? `node core: ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`
    : url === '' && functionName
      ? `builtin: ${functionName}`
      : null;

/* ---- one profile ------------------------------------------------------------------------------------------------ */
function analyse(file, role, results) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stack = (id) => {
    const s = [];
    for (let x = id; x !== undefined; x = parent.get(x)) s.push(byId.get(x).callFrame);
    return s;
  };
  const areaCache = new Map();
  const areaOf = (id) => {
    if (!areaCache.has(id)) {
      const frames = stack(id);
      areaCache.set(
        id,
        frames.map(frameArea).find((a) => a != null) ?? frames.map(coreArea).find((a) => a != null) ?? 'other',
      );
    }
    return areaCache.get(id);
  };
  const name = (cf) =>
    `${cf.functionName || '(anonymous)'}  ${cf.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|dist)\//, (m, d) => (d === 'dist' ? 'dist/' : 'nm/'))}:${cf.lineNumber + 1}`;

  const whole = argv.includes('--whole') || !results?.window;
  const lo = whole ? prof.startTime : results.window.startUs,
    hi = whole ? prof.endTime : results.window.endUs;
  if (lo < prof.startTime || hi > prof.endTime) console.warn(`${file}: window outside the profile`);
  const inclCache = new Map();
  const inclOf = (id) => {
    if (!inclCache.has(id)) inclCache.set(id, [...new Set(stack(id).map(name))]);
    return inclCache.get(id);
  };
  const self = new Map(),
    areas = new Map(),
    incl = new Map();
  const add = (m, k, w) => m.set(k, (m.get(k) ?? 0) + w);
  let t = prof.startTime,
    total = 0,
    n = 0;
  for (let i = 0; i < prof.samples.length; i += 1) {
    t += prof.timeDeltas[i];
    const w = (i + 1 < prof.samples.length ? t + prof.timeDeltas[i + 1] : prof.endTime) - t;
    if (t < lo || t >= hi) continue;
    const id = prof.samples[i];
    total += w;
    n += 1;
    add(self, name(byId.get(id).callFrame), w);
    add(areas, areaOf(id), w);
    for (const k of inclOf(id)) add(incl, k, w);
  }
  const idle = areas.get('idle') ?? 0,
    gc = areas.get('GC') ?? 0,
    program = areas.get('(program) native/unattributed') ?? 0;
  const req = results?.ok;
  const cpu = results?.cpu?.threads?.find((x) => x.role === role)?.msPerRequest; // on-CPU from /proc (drive.js)
  const busy = total - idle;
  const row = (v, key = '') =>
    `${(v / 1000).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)} %${req ? `${(v / 1000 / req).toFixed(3).padStart(8)} ms/req` : ''}` +
    (cpu && busy > 0 && !/\((idle|root)\)|^idle$/.test(key) ? `${((v / busy) * cpu).toFixed(3).padStart(8)} cpu` : '');
  const sorted = (m, k = Infinity) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  const out = [];
  out.push(`# ${role}: ${file}`);
  out.push(
    `window ${((hi - lo) / 1000).toFixed(0)} ms, ${n} samples (mean interval ${(total / Math.max(n, 1)).toFixed(0)} µs)${req ? `, ${req} requests` : ''}`,
  );
  out.push(`busy ${row(busy)}   idle ${row(idle, 'idle')}   GC ${row(gc)}   (program) ${row(program)}`);
  if (cpu) out.push(`on-CPU (drive.js, /proc): ${cpu.toFixed(2)} ms/req; "cpu" columns = share of busy x that`);
  out.push('', `## top ${TOP} self time`, ...sorted(self, TOP).map(([k, v]) => `${row(v, k)}  ${k}`));
  out.push('', '## areas (exclusive)', ...sorted(areas).map(([k, v]) => `${row(v, k)}  ${k}`));
  out.push('', `## top ${TOP} inclusive`, ...sorted(incl, TOP).map(([k, v]) => `${row(v, k)}  ${k}`), '');
  console.log(out.join('\n'));
  const ms = (m, k) =>
    sorted(m, k).map(([key, v]) => ({ key, ms: v / 1000, msPerRequest: req ? v / 1000 / req : null }));
  return {
    role,
    file,
    windowMs: (hi - lo) / 1000,
    requests: req,
    cpuMsPerRequest: cpu ?? null,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    self: ms(self, 40),
    areas: ms(areas),
    inclusive: ms(incl, 40),
  };
}

/* ---- main --------------------------------------------------------------------------------------------------- */
const input = argv[0];
if (!input || input.startsWith('--')) {
  console.error('usage: analyse.js RESULT.json|FILE.cpuprofile [options] (see the header)');
  process.exit(2);
}
let runs;
if (input.endsWith('.cpuprofile')) {
  const results = opt('results', null) ? JSON.parse(fs.readFileSync(opt('results'), 'utf8')) : null;
  runs = [[input, results?.profiles?.find((p) => p.file.endsWith(input.split('/').pop()))?.role ?? 'thread', results]];
} else {
  const results = JSON.parse(fs.readFileSync(input, 'utf8'));
  if (!results.profiles?.length) {
    console.error(`${input}: no profiles (was drive.js run with --prof?)`);
    process.exit(2);
  }
  const order = ['main', 'ort-worker', 'xml-worker'];
  runs = results.profiles
    .filter((p) => !opt('thread', null) || p.role === opt('thread'))
    .sort((a, b) => (order.indexOf(a.role) + 1 || 9) - (order.indexOf(b.role) + 1 || 9))
    .map((p) => [p.file, p.role, results]);
  const r = results;
  console.log(
    `${r.label}: ${r.format} c=${r.connections}, ${r.samplesPerSecond.toFixed(0)} samples/s, ${r.ok} requests in ${r.seconds} s\n`,
  );
}
const analyses = runs.map(([file, role, results]) => analyse(file, role, results));
if (opt('json', null)) fs.writeFileSync(opt('json'), `${JSON.stringify(analyses, null, 2)}\n`);
