#!/usr/bin/env node
// Test/build utility: run the digits ONNX model on a float64 .npy through onnxruntime-node.
//   node training/digits/ort_run.js <model.onnx> <in.npy> <out.npy>
// Reads float64 [N, 1, 28, 28] (the gateway's internal tensors are double), converts to float32 as the gateway
// does for a tensor(float) input, feeds it as "image" and writes output "probabilities" as a float64 C-order
// .npy. The build uses it to write heldout/expected_outputs.npy with the runtime the gateway serves with.
// Exit code 2 = bad usage/input, 3 = no runtime.
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

/** Parse a .npy (v1-v3) holding little-endian float64 in C order. */
function readNpyFloat64(file) {
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
  if (descr[1] !== '<f8') fail(2, `${file}: dtype ${descr[1]} is not <f8 (float64)`);
  if (fortran[1] !== 'False') fail(2, `${file}: Fortran order is not supported`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length)
    .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length - offset !== count * 8) fail(2, `${file}: expected ${count * 8} data bytes`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i += 1) data[i] = buf.readDoubleLE(offset + 8 * i);
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

async function main() {
  const [modelPath, inPath, outPath] = process.argv.slice(2);
  if (!modelPath || !inPath || !outPath) fail(2, 'usage: ort_run.js <model.onnx> <in.npy> <out.npy>');
  const { data, dims } = readNpyFloat64(inPath);
  if (dims.length !== 4 || dims[1] !== 1 || dims[2] !== 28 || dims[3] !== 28) {
    fail(2, `${inPath}: shape [${dims.join(', ')}] is not [N, 1, 28, 28]`);
  }
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  const result = await session.run({ image: new ort.Tensor('float32', Float32Array.from(data), dims) });
  const out = result.probabilities;
  if (!out) fail(2, `model has no output "probabilities" (got ${Object.keys(result).join(', ')})`);
  if (out.type !== 'float32') fail(2, `output type is ${out.type}, expected float32`);
  writeNpyFloat64(outPath, Float64Array.from(out.data), out.dims);
}

main().catch((err) => fail(1, err.stack || String(err)));
