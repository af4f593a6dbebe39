#!/usr/bin/env node
// Run or time a tweet-sentiment ONNX model through onnxruntime-node (the gateway's runtime).
//   node training/tweet-sentiment/ort_run.js run   <model.onnx> <ids.npy> <out.npy>
//   node training/tweet-sentiment/ort_run.js bench <model.onnx> <ids.npy> [batch ...]
// <ids.npy> is float64 (the gateway's internal dtype) or int64, shape (n, maxLength); it is fed as input "ids"
// int64. `run` writes output "probabilities" (float32 in the graph) as a float64 C-order .npy. `bench` prints
// one JSON object: for each batch size, the median milliseconds per tweet over repeated runs (one thread,
// after a warm-up). Exit code 2 = bad usage/input, 3 = no runtime.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(code, msg) {
  process.stderr.write(`ort_run: ${msg}\n`);
  process.exit(code);
}

let ort;
try {
  ort = require('onnxruntime-node');
} catch {
  try {
    ort = require(path.resolve(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));
  } catch (err2) {
    fail(3, `cannot load onnxruntime-node (run npm ci at the repo root): ${err2.message}`);
  }
}

/** Parse a .npy (v1-v3) of little-endian float64 or int64 in C order into a BigInt64Array of ids. */
function readIds(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail(2, `${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(2, `${file}: unreadable header ${header}`);
  if (descr[1] !== '<f8' && descr[1] !== '<i8') fail(2, `${file}: dtype ${descr[1]} is not <f8 (float64) or <i8`);
  if (fortran[1] !== 'False') fail(2, `${file}: Fortran order is not supported`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length)
    .map(Number);
  if (dims.length !== 2) fail(2, `${file}: shape (${dims}) is not (n, maxLength)`);
  const count = dims[0] * dims[1];
  const offset = start + headerLen;
  if (buf.length - offset !== count * 8) fail(2, `${file}: expected ${count * 8} data bytes`);
  const ids = new BigInt64Array(count);
  for (let i = 0; i < count; i += 1) {
    if (descr[1] === '<i8') ids[i] = buf.readBigInt64LE(offset + 8 * i);
    else {
      const v = buf.readDoubleLE(offset + 8 * i);
      if (!Number.isInteger(v)) fail(2, `${file}: element ${i} = ${v} is not an integer id`);
      ids[i] = BigInt(v);
    }
  }
  return { ids, dims };
}

/** Write float64 C-order .npy v1.0 (header padded to a multiple of 64 bytes). */
function writeNpyFloat64(file, data, dims) {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 8);
  for (let i = 0; i < data.length; i += 1) body.writeDoubleLE(data[i], 8 * i);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

async function runOnce(session, ids, n, width) {
  const result = await session.run({ ids: new ort.Tensor('int64', ids, [n, width]) });
  const out = result.probabilities;
  if (!out) fail(2, `model has no output "probabilities" (got ${Object.keys(result).join(', ')})`);
  if (out.type !== 'float32') fail(2, `output type is ${out.type}, expected float32`);
  return out;
}

async function bench(session, ids, dims, batches) {
  const [n, width] = dims;
  const report = {};
  for (const batch of batches) {
    if (batch > n) fail(2, `batch ${batch} > ${n} rows`);
    const slices = [];
    for (let s = 0; s + batch <= n && slices.length < 64; s += batch)
      slices.push(ids.subarray(s * width, (s + batch) * width));
    for (const s of slices.slice(0, 5)) await runOnce(session, s, batch, width); // warm-up
    const times = [];
    const rounds = Math.max(3, Math.ceil(400 / slices.length / batch));
    for (let r = 0; r < rounds; r += 1) {
      for (const s of slices) {
        const t0 = process.hrtime.bigint();
        await runOnce(session, s, batch, width);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6 / batch);
      }
    }
    times.sort((a, b) => a - b);
    report[`batch${batch}MsPerTweet`] = times[Math.floor(times.length / 2)];
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main() {
  const [mode, modelPath, inPath, ...rest] = process.argv.slice(2);
  if (!['run', 'bench'].includes(mode) || !modelPath || !inPath) {
    fail(2, 'usage: ort_run.js run <model.onnx> <ids.npy> <out.npy> | bench <model.onnx> <ids.npy> [batch ...]');
  }
  const { ids, dims } = readIds(inPath);
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  if (mode === 'bench') {
    await bench(session, ids, dims, rest.length ? rest.map(Number) : [1, 64]);
    return;
  }
  if (!rest[0]) fail(2, 'run needs <out.npy>');
  const out = await runOnce(session, ids, dims[0], dims[1]);
  writeNpyFloat64(rest[0], Float64Array.from(out.data), out.dims);
}

main().catch((err) => fail(1, err.stack || String(err)));
