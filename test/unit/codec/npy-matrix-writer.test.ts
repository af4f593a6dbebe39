import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNpyBatchDecoder } from '../../../src/codec/npy/npy-batch-decoder';
import { parseNpyHeader } from '../../../src/codec/npy/npy-header';
import { inspectNpyMatrix, readNpyValues } from '../../../src/codec/npy/npy-matrix-reader';
import { encodeFloat64Npy } from '../../../src/codec/npy/npy-matrix-writer';
import { readNpy } from '../../support/reference';
import { bitsOf } from './codec-helpers';
import { elementCount } from '../../../src/tensor/tensor';

/** Doubles that are easy to get wrong: -0, the smallest subnormal, the extremes of the normal range, inexact sums. */
const SPECIAL = [
  -0,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  0.1 + 0.2,
  Math.PI,
  1e-300,
  -1e300,
];

function doubles(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => SPECIAL[i] ?? Math.sin(i) * 10 ** ((i % 40) - 20));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'infergraph-npy-writer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` to a temp file and reads it back with the independent test reader. */
function viaReference(bytes: Buffer, name: string): ReturnType<typeof readNpy> {
  const file = path.join(dir, `${name}.npy`);
  writeFileSync(file, bytes);
  return readNpy(file);
}

describe('NPY float64 writer', () => {
  it('writes a 2-D matrix that the gateway reader decodes bit for bit', () => {
    const values = doubles(3 * 5);
    const bytes = encodeFloat64Npy(values, [3, 5]);
    const layout = inspectNpyMatrix(bytes);
    expect(layout).toMatchObject({ dtype: 'f8', count: 3, sampleLength: 5, shape: [3, 5] });
    expect(bitsOf(readNpyValues(bytes, layout))).toEqual(bitsOf(values));
  });

  it('writes a 3-D (x, L, 1) array that the gateway reader decodes bit for bit', () => {
    const values = doubles(2 * 6);
    const bytes = encodeFloat64Npy(values, [2, 6, 1]);
    const layout = inspectNpyMatrix(bytes);
    expect(layout).toMatchObject({ dtype: 'f8', count: 2, sampleLength: 6, shape: [2, 6, 1] });
    expect(bitsOf(readNpyValues(bytes, layout))).toEqual(bitsOf(values));
  });

  it('writes a batch the NPY batch decoder accepts, ids being row indices', () => {
    const values = doubles(4 * 3);
    const batch = createNpyBatchDecoder().decode(encodeFloat64Npy(values, [4, 3]), { sampleLength: 3, maxSamples: 4 });
    expect(batch).toMatchObject({ format: 'npy', count: 4, sampleLength: 3, ids: ['0', '1', '2', '3'] });
    expect(bitsOf(batch.values)).toEqual(bitsOf(values));
  });

  it('writes 1-D, 2-D and 3-D arrays that the independent test reader reads back bit for bit', () => {
    const cases: [string, number[]][] = [
      ['one-d', [7]],
      ['two-d', [3, 4]],
      ['three-d', [2, 3, 4]],
    ];
    for (const [name, shape] of cases) {
      const values = doubles(elementCount(shape));
      const read = viaReference(encodeFloat64Npy(values, shape), name);
      expect(read.descr).toBe('<f8');
      expect(read.shape).toEqual(shape);
      expect(read.data).toBeInstanceOf(Float64Array);
      expect(bitsOf(read.data as Float64Array)).toEqual(bitsOf(values));
    }
  });

  it('writes a format 1.0 C-order <f8 header padded so that the data starts at a multiple of 64', () => {
    const shapes = [
      [1],
      [7],
      [0, 3],
      [3, 5],
      [2, 6, 1],
      [2, 3, 4],
      [1_234, 1],
      [0, 1_000_000_000_000],
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2],
    ];
    for (const shape of shapes) {
      const n = elementCount(shape);
      const bytes = encodeFloat64Npy(new Float64Array(n), shape);
      const header = parseNpyHeader(bytes);
      expect(header).toEqual({
        major: 1,
        minor: 0,
        descr: '<f8',
        fortranOrder: false,
        shape,
        dataOffset: header.dataOffset,
      });
      expect(header.dataOffset % 64).toBe(0);
      expect(bytes.length).toBe(header.dataOffset + 8 * n);
      // The stored header length covers the dict, its padding and the final newline, as numpy writes it.
      expect(10 + bytes.readUInt16LE(8)).toBe(header.dataOffset);
      expect(bytes[header.dataOffset - 1]).toBe(0x0a);
    }
  });

  it('refuses a shape that does not hold exactly the given values', () => {
    expect(() => encodeFloat64Npy(new Float64Array(5), [2, 3])).toThrow('shape 2x3 does not hold 5 values');
    expect(() => encodeFloat64Npy(new Float64Array(7), [2, 3])).toThrow('shape 2x3 does not hold 7 values');
    expect(() => encodeFloat64Npy(new Float64Array(1), [0, 3])).toThrow('shape 0x3 does not hold 1 values');
    expect(() => encodeFloat64Npy(new Float64Array(6), [6, 1, 2])).toThrow('shape 6x1x2 does not hold 6 values');
  });
});
