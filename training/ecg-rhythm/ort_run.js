#!/usr/bin/env node
// Test utility: run an ONNX model on a float64 .npy through onnxruntime-node.
//   node training/ecg-rhythm/ort_run.js <model.onnx> <in.npy> <out.npy>
// Feeds the array as input "signal" and writes output "probabilities" as a
// float64 C-order .npy. Lets the Python tests compare PyTorch with the same
// runtime the TypeScript gateway uses. Exit code 2 = bad usage/input, 3 = no runtime.
'use strict';

const fs = require('fs');

function fail(code, msg) {
  process.stderr.write(`ort_run: ${msg}\n`);
  process.exit(code);
}

let ort;
try {
  ort = require('onnxruntime-node');
} catch (err) {
  fail(3, `cannot load onnxruntime-node (run npm ci at the repo root): ${err.message}`);
}

/** Parse a .npy (v1-v3) holding little-endian float64 in C order. */
function readNpyFloat64(path) {
  const buf = fs.readFileSync(path);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail(2, `${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) fail(2, `${path}: unreadable header ${header}`);
  if (descr[1] !== '<f8') fail(2, `${path}: dtype ${descr[1]} is not <f8 (float64)`);
  if (fortran[1] !== 'False') fail(2, `${path}: Fortran order is not supported`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length)
    .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset !== count * 8) fail(2, `${path}: expected ${count * 8} data bytes`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i += 1) data[i] = buf.readDoubleLE(offset + 8 * i);
  return { data, dims };
}

/** Write float64 C-order .npy v1.0 (header padded to a multiple of 64 bytes). */
function writeNpyFloat64(path, data, dims) {
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
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

async function main() {
  const [modelPath, inPath, outPath] = process.argv.slice(2);
  if (!modelPath || !inPath || !outPath) fail(2, 'usage: ort_run.js <model.onnx> <in.npy> <out.npy>');
  const { data, dims } = readNpyFloat64(inPath);
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
  const result = await session.run({ signal: new ort.Tensor('float64', data, dims) });
  const out = result.probabilities;
  if (!out) fail(2, `model has no output "probabilities" (got ${Object.keys(result).join(', ')})`);
  if (out.type !== 'float64') fail(2, `output type is ${out.type}, expected float64`);
  writeNpyFloat64(outPath, out.data, out.dims);
}

main().catch((err) => fail(1, err.stack || String(err)));
