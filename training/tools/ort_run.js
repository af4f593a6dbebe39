#!/usr/bin/env node
// Run or time an ONNX model on a float64 .npy through onnxruntime-node (the gateway's runtime); every recipe's
// build and tests use it, so their reference outputs come from the runtime the gateway serves with.
//   node training/tools/ort_run.js <model.onnx> <in.npy> <out.npy>
//   node training/tools/ort_run.js --bench <model.onnx> <in.npy> [batch ...]
// <in.npy> is float64 (the gateway's internal dtype) or int64, in C order. It is converted, as the gateway does,
// to the element type of the model's first input (float64, float32, int32 or int64; the integer types take whole
// numbers only) and fed under that input's name; its shape must fit that input's fixed dimensions. The default
// mode writes the model's first output as a float64 C-order .npy. `--bench` prints one JSON object: for each
// batch size (default 1 and 64), the median milliseconds per row over repeated runs (after a warm-up), keyed by
// the batch size. Sessions run on one intra-op and one inter-op thread. Exit code 2 = bad usage/input,
// 3 = no runtime.
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
  } catch (err) {
    fail(3, `cannot load onnxruntime-node (run npm ci at the repo root): ${err.message}`);
  }
}

/** Parse a .npy (v1-v3) of little-endian float64 (a Float64Array) or int64 (a BigInt64Array) in C order. */
function readNpy(file) {
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
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset !== count * 8) fail(2, `${file}: expected ${count * 8} data bytes`);
  const int64 = descr[1] === '<i8';
  const data = int64 ? new BigInt64Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    data[i] = int64 ? buf.readBigInt64LE(offset + 8 * i) : buf.readDoubleLE(offset + 8 * i);
  }
  return { data, dims };
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

/** The whole number at element i of data (a float64 or int64 array) within [min, max], or exit 2. */
function wholeNumber(data, i, min, max) {
  const v = data[i];
  if (typeof v === 'bigint') {
    if (v < BigInt(min) || v > BigInt(max)) fail(2, `input element ${i} = ${v} is out of range for the input`);
    return v;
  }
  if (!Number.isInteger(v)) fail(2, `input element ${i} = ${v} is not an integer`);
  if (v < min || v > max) fail(2, `input element ${i} = ${v} is out of range for the input`);
  return v;
}

/** The values converted to the element type of the model's input (the gateway converts the same way). */
function converted(data, type) {
  const n = data.length;
  switch (type) {
    case 'float64':
      return data instanceof Float64Array ? data : Float64Array.from(data, Number);
    case 'float32':
      return Float32Array.from(data, Number);
    case 'int32': {
      const ints = new Int32Array(n);
      for (let i = 0; i < n; i += 1) ints[i] = Number(wholeNumber(data, i, -(2 ** 31), 2 ** 31 - 1));
      return ints;
    }
    case 'int64': {
      if (data instanceof BigInt64Array) return data;
      const ints = new BigInt64Array(n);
      for (let i = 0; i < n; i += 1) {
        ints[i] = BigInt(wholeNumber(data, i, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
      }
      return ints;
    }
    default:
      return fail(2, `the model's input has element type ${type}; float64, float32, int32 or int64 is supported`);
  }
}

/** The model's first input and output: names, the input's element type and shape (strings for free axes). */
function signature(session) {
  const [input] = session.inputMetadata;
  const [outputName] = session.outputNames;
  if (!input || !outputName) fail(2, 'the model has no input or no output');
  if (!input.isTensor) fail(2, `the model's input "${input.name}" is not a tensor`);
  return { inputName: input.name, type: input.type, shape: input.shape, outputName };
}

function checkShape(file, dims, shape) {
  const fits = dims.length === shape.length && shape.every((d, i) => typeof d !== 'number' || d === dims[i]);
  if (!fits) fail(2, `${file}: shape [${dims.join(', ')}] does not fit the model input [${shape.join(', ')}]`);
}

async function runOnce(session, sig, values, dims) {
  const result = await session.run({ [sig.inputName]: new ort.Tensor(sig.type, values, dims) }, [sig.outputName]);
  return result[sig.outputName];
}

async function bench(session, sig, values, dims, batches) {
  const [n] = dims;
  const width = dims.slice(1).reduce((a, b) => a * b, 1);
  const report = {};
  for (const batch of batches) {
    if (!Number.isInteger(batch) || batch < 1) fail(2, `batch ${batch} is not a positive integer`);
    if (batch > n) fail(2, `batch ${batch} > ${n} rows`);
    const rows = [batch, ...dims.slice(1)];
    const slices = [];
    for (let s = 0; s + batch <= n && slices.length < 64; s += batch)
      slices.push(values.subarray(s * width, (s + batch) * width));
    for (const s of slices.slice(0, 5)) await runOnce(session, sig, s, rows); // warm-up
    const times = [];
    const rounds = Math.max(3, Math.ceil(400 / slices.length / batch));
    for (let r = 0; r < rounds; r += 1) {
      for (const s of slices) {
        const t0 = process.hrtime.bigint();
        await runOnce(session, sig, s, rows);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6 / batch);
      }
    }
    times.sort((a, b) => a - b);
    report[String(batch)] = times[Math.floor(times.length / 2)];
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  const benchMode = args[0] === '--bench';
  const [modelPath, inPath, ...rest] = benchMode ? args.slice(1) : args;
  if (!modelPath || !inPath || (!benchMode && rest.length !== 1)) {
    fail(2, 'usage: ort_run.js <model.onnx> <in.npy> <out.npy> | --bench <model.onnx> <in.npy> [batch ...]');
  }
  const { data, dims } = readNpy(inPath);
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const sig = signature(session);
  checkShape(inPath, dims, sig.shape);
  const values = converted(data, sig.type);
  if (benchMode) {
    await bench(session, sig, values, dims, rest.length ? rest.map(Number) : [1, 64]);
    return;
  }
  const out = await runOnce(session, sig, values, dims);
  if (!(out.data instanceof Float32Array || out.data instanceof Float64Array)) {
    fail(2, `output "${sig.outputName}" has type ${out.type}; float32 or float64 is supported`);
  }
  writeNpyFloat64(rest[0], Float64Array.from(out.data), out.dims);
}

main().catch((err) => fail(1, err.stack || String(err)));
