/**
 * Independent references for integration tests: a plain .npy reader (float64/int64, little-endian, C order) and a
 * direct ONNX Runtime run that bypasses the gateway entirely.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { REPO_ROOT } from './gateway';
import { elementCount } from '../../src/tensor/tensor';

export const MODEL_DIR = path.join(REPO_ROOT, 'models', 'ecg-rhythm', '1');
export const HELDOUT = path.join(MODEL_DIR, 'heldout');

export interface NpyArray {
  readonly descr: string;
  readonly shape: number[];
  readonly data: Float64Array | BigInt64Array;
}

export function readNpy(file: string): NpyArray {
  const bytes = readFileSync(file);
  const major = bytes[6] ?? 0;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const offset = major === 1 ? 10 : 12;
  const header = bytes.subarray(offset, offset + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const body = bytes.subarray(offset + headerLength);
  const copy = new Uint8Array(body).buffer;
  if (descr === '<f8') return { descr, shape, data: new Float64Array(copy) };
  if (descr === '<i8') return { descr, shape, data: new BigInt64Array(copy) };
  throw new Error(`test reader does not handle ${descr}`);
}

/**
 * Runs `values` through a fresh `InferenceSession` of `modelFile` (default: the shipped model) in chunks of `batch`,
 * exactly as a user would by hand.
 */
export async function directRun(
  values: Float64Array,
  sampleDims: number[],
  batch = 32,
  modelFile = path.join(MODEL_DIR, 'model.onnx'),
): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(modelFile);
  const len = elementCount(sampleDims);
  const count = values.length / len;
  const out: number[] = [];
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const input = new ort.Tensor('float64', values.slice(start * len, (start + n) * len), [n, ...sampleDims]);
      const result = await session.run({ [session.inputNames[0] as string]: input });
      out.push(...(result[session.outputNames[0] as string]?.data as Float64Array));
    }
  } finally {
    await session.release();
  }
  return Float64Array.from(out);
}

/** Byte-level equality of two float64 arrays: stricter than `toEqual` (distinguishes -0 and NaN payloads). */
export function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
