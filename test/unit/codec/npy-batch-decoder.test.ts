import { ErrorCode } from '../../../src/errors/error-code';
import { createNpyBatchDecoder } from '../../../src/codec/npy/npy-batch-decoder';
import { misaligned, npyBytes } from '../../support/npy';
import { bitsOf, expectClientSafe, thrown } from './codec-helpers';

const decoder = createNpyBatchDecoder();
const L = 6;
const expectation = { sampleLength: L, maxSamples: 4 };
const decode = (bytes: Buffer) => decoder.decode(bytes, expectation);
const fails = (bytes: Buffer) => {
  const error = thrown(() => decode(bytes));
  expectClientSafe(error);
  return error;
};

/** Distinctive doubles, including the ones that are easy to get wrong. */
function doubles(n: number): Float64Array {
  const special = [-0, 5e-324, 0.1 + 0.2, 1e-7, -0.046, 1.7976931348623157e308, -2.2250738585072014e-308, Math.PI];
  return Float64Array.from({ length: n }, (_, i) =>
    i < special.length ? (special[i] as number) : Math.sin(i) * 10 ** ((i % 40) - 20),
  );
}

/** Distinctive float32 values: -0, a subnormal, the largest float32, and irregular ones. */
function floats(n: number): Float32Array {
  const special = [-0, 1e-45, 3.4028234663852886e38, 0.1];
  return Float32Array.from({ length: n }, (_, i) =>
    i < special.length ? (special[i] as number) : Math.sin(i) * 10 ** ((i % 20) - 10),
  );
}

/** Offset of the data in a C-order matrix file of `values` items of `itemSize` bytes. */
const dataOffset = (bytes: Buffer, values: number, itemSize = 8) => bytes.length - values * itemSize;

describe('NPY batch decoder', () => {
  it.each([
    ['(x, L, 1)', [3, L, 1]],
    ['(x, L)', [3, L]],
  ])('decodes float64 %s bit for bit, ids being row indices', (_name, shape) => {
    const data = doubles(3 * L);
    const batch = decode(npyBytes({ descr: '<f8', shape, data }));
    expect(batch).toMatchObject({ format: 'npy', count: 3, sampleLength: L, ids: ['0', '1', '2'] });
    expect(bitsOf(batch.values)).toEqual(bitsOf(data));
  });

  it('views aligned float64 data in place instead of copying the upload', () => {
    const bytes = npyBytes({ descr: '<f8', shape: [2, L], data: doubles(2 * L) });
    const batch = decode(bytes);
    expect(batch.values.buffer).toBe(bytes.buffer);
    expect(batch.values.byteOffset).toBe(bytes.byteOffset + dataOffset(bytes, 2 * L));
  });

  it.each([
    ['(x, L, 1)', [2, L, 1]],
    ['(x, L)', [2, L]],
  ])('widens float32 %s exactly to float64', (_name, shape) => {
    const f32 = floats(2 * L);
    const batch = decode(npyBytes({ descr: '<f4', shape, data: f32 }));
    expect(bitsOf(batch.values)).toEqual(bitsOf(Float64Array.from(f32)));
  });

  it.each([1, 2, 3] as const)('reads format version %i.0', (version) => {
    const data = doubles(L);
    expect(bitsOf(decode(npyBytes({ descr: '<f8', shape: [1, L, 1], data, version })).values)).toEqual(bitsOf(data));
  });

  describe('unaligned data', () => {
    it.each([
      ['f8 at an odd buffer address', '<f8', 1],
      ['f8 at an address 4 bytes off', '<f8', 4],
      ['f4 at an odd buffer address', '<f4', 3],
    ])('%s is copied correctly', (_name, descr, shift) => {
      const data = descr === '<f8' ? doubles(2 * L) : Float64Array.from(floats(2 * L));
      const bytes = misaligned(npyBytes({ descr, shape: [2, L], data }), shift);
      expect(bytes.byteOffset % 8).toBe(shift % 8);
      const batch = decode(bytes);
      expect(bitsOf(batch.values)).toEqual(bitsOf(data));
      expect(batch.values.buffer).not.toBe(bytes.buffer);
    });

    it('an unpadded header that leaves the data offset unaligned', () => {
      const data = doubles(L);
      const bytes = npyBytes({ descr: '<f8', shape: [1, L], data, align: 1 });
      expect((bytes.length - 8 * L) % 8).not.toBe(0);
      expect(bitsOf(decode(bytes).values)).toEqual(bitsOf(data));
    });
  });

  describe('NPY_UNSUPPORTED', () => {
    it.each([
      ['big-endian float64', { descr: '>f8', shape: [1, L] }, /Big-endian/, { dtype: '>f8' }],
      ['big-endian float32', { descr: '>f4', shape: [1, L] }, /Big-endian/, { dtype: '>f4' }],
      ['Fortran order', { descr: '<f8', shape: [1, L], fortranOrder: true }, /Fortran/, { fortranOrder: true }],
      ['int64', { descr: '<i8', shape: [1, L], data: new BigInt64Array(L) }, /<i8/, { dtype: '<i8' }],
      ['int32', { descr: '<i4', shape: [1, L] }, /<i4/, { dtype: '<i4' }],
      ['uint8', { descr: '|u1', shape: [1, L] }, /\|u1/, { dtype: '|u1' }],
      ['float16', { descr: '<f2', shape: [1, L] }, /<f2/, { dtype: '<f2' }],
      [
        'a structured dtype',
        { descr: '<f8', shape: [1], header: "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}" },
        /Structured/,
        { dtype: null },
      ],
      [
        'an odd dtype string',
        { descr: '<f8', shape: [1, L], header: `{'descr': '<script>', 'fortran_order': False, 'shape': (1, ${L})}` },
        /unrecognised/,
        { dtype: null },
      ],
      ['a 1-D shape', { descr: '<f8', shape: [L] }, /\(6,\)/, { shape: [L] }],
      ['a 0-D shape', { descr: '<f8', shape: [] }, /\(\)/, { shape: [] }],
      ['a trailing dimension other than 1', { descr: '<f8', shape: [1, L, 2] }, /\(1, 6, 2\)/, { shape: [1, L, 2] }],
      ['a 4-D shape', { descr: '<f8', shape: [1, L, 1, 1] }, /\(1, 6, 1, 1\)/, { shape: [1, L, 1, 1] }],
    ])('for %s', (_name, options, message, details) => {
      const error = fails(npyBytes(options));
      expect(error.code).toBe(ErrorCode.NPY_UNSUPPORTED);
      expect(error.message).toMatch(message);
      expect(error.details).toEqual(details);
      expect(error.message).not.toContain('<script>');
    });
  });

  describe('NPY_MALFORMED', () => {
    const good = npyBytes({ descr: '<f8', shape: [2, L], data: doubles(2 * L) });
    it.each([
      ['truncated data', good.subarray(0, good.length - 1), /truncated/],
      ['data missing entirely', good.subarray(0, dataOffset(good, 2 * L)), /truncated/],
      ['trailing bytes', Buffer.concat([good, Buffer.alloc(8)]), /trailing/],
      [
        'a truncated float32 row',
        npyBytes({ descr: '<f4', shape: [2, L] }).subarray(0, dataOffset(good, 2 * L) + 4 * L),
        /truncated/,
      ],
      [
        'a shape that overflows any buffer',
        npyBytes({ descr: '<f8', shape: [2 ** 40, 2 ** 20], data: [] }),
        /truncated/,
      ],
      ['a truncated header', good.subarray(0, 30), /past the end/],
    ])('for %s', (_name, bytes, message) => {
      const error = fails(Buffer.from(bytes));
      expect(error.code).toBe(ErrorCode.NPY_MALFORMED);
      expect(error.message).toMatch(message);
    });
  });

  it('answers WRONG_SAMPLE_LENGTH with sampleIndex null when L differs', () => {
    const error = fails(npyBytes({ descr: '<f8', shape: [2, L + 1] }));
    expect(error.code).toBe(ErrorCode.WRONG_SAMPLE_LENGTH);
    expect(error.details).toEqual({ sampleIndex: null, sampleId: null, expected: L, actual: L + 1 });
  });

  it.each([
    ['NaN in float64', '<f8', NaN],
    ['+Infinity in float64', '<f8', Infinity],
    ['-Infinity in float32', '<f4', -Infinity],
    ['NaN in float32', '<f4', NaN],
  ])('answers NON_FINITE_VALUE for %s, naming sample and value index', (_name, descr, bad) => {
    const data = Array.from({ length: 3 * L }, (_, i) => (i === L * 2 + 4 ? bad : 0.5));
    const error = fails(npyBytes({ descr, shape: [3, L, 1], data }));
    expect(error.code).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(error.details).toEqual({ sampleIndex: 2, sampleId: '2', valueIndex: 4 });
  });

  it.each([
    ['(0, L, 1)', [0, L, 1]],
    ['(0, L)', [0, L]],
  ])('answers EMPTY_BATCH for shape %s', (_name, shape) => {
    expect(fails(npyBytes({ descr: '<f8', shape })).code).toBe(ErrorCode.EMPTY_BATCH);
  });

  it('answers EMPTY_BATCH for zero bytes', () => {
    expect(fails(Buffer.alloc(0)).code).toBe(ErrorCode.EMPTY_BATCH);
  });

  it('answers TOO_MANY_SAMPLES with limit and actual', () => {
    const error = fails(npyBytes({ descr: '<f8', shape: [5, L] }));
    expect(error).toMatchObject({ code: ErrorCode.TOO_MANY_SAMPLES, details: { limit: 4, actual: 5 } });
  });
});
