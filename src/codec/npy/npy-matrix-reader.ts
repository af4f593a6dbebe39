import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { malformed, parseNpyHeader } from './npy-header';
import { sharedFloat64Array } from '../../lib/worker-thread';

/** The element types the gateway reads: little-endian float64 and float32. */
export type NpyFloatType = 'f8' | 'f4';

/** A checked `.npy` float matrix, before its values are read. */
export interface NpyMatrixLayout {
  readonly dtype: NpyFloatType;
  /** Rows: the first dimension. */
  readonly count: number;
  /** Values per row: the second dimension (a trailing dimension of 1 is allowed and ignored). */
  readonly sampleLength: number;
  readonly shape: readonly number[];
  readonly dataOffset: number;
}

const ITEM_SIZE: Readonly<Record<NpyFloatType, number>> = { f8: 8, f4: 4 };

/** Typed arrays use the host's byte order; on the (rare) big-endian host every read goes through a DataView. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses and checks the header of a `.npy` file: supported dtype, C order, shape `(x, L)` or `(x, L, 1)`, and a
 * data section of exactly `x × L × itemsize` bytes. Throws `NPY_MALFORMED` / `NPY_UNSUPPORTED`.
 */
export function inspectNpyMatrix(bytes: Uint8Array): NpyMatrixLayout {
  const header = parseNpyHeader(bytes);
  const dtype = floatTypeOf(header.descr);
  if (header.fortranOrder) {
    throw unsupported(
      'Fortran-ordered (column-major) arrays are not supported; save a C-ordered array (numpy.ascontiguousarray).',
      {
        fortranOrder: true,
      },
    );
  }
  const { shape } = header;
  const [count, sampleLength, trailing] = shape;
  if (
    count === undefined ||
    sampleLength === undefined ||
    shape.length > 3 ||
    (trailing !== undefined && trailing !== 1)
  ) {
    throw unsupported(
      `Arrays of shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) are not supported; use (samples, length) or (samples, length, 1).`,
      {
        shape: [...shape],
      },
    );
  }
  // Number arithmetic is exact below 2^53; any larger product cannot match a real buffer length anyway.
  const expectedBytes = count * sampleLength * ITEM_SIZE[dtype];
  const actualBytes = bytes.length - header.dataOffset;
  if (actualBytes !== expectedBytes) {
    const problem = actualBytes < expectedBytes ? 'is truncated' : 'has trailing bytes';
    throw malformed(
      `the data ${problem} (${actualBytes} bytes for shape (${shape.join(', ')}) of ${dtype}, expected ${expectedBytes})`,
    );
  }
  return { dtype, count, sampleLength, shape, dataOffset: header.dataOffset };
}

/**
 * Reads the values of a checked matrix as float64. For aligned float64 data on a little-endian host the result is a
 * view of `bytes` (no copy: the upload is not held twice); otherwise the values are copied (unaligned data) or
 * widened (float32, exactly, as every float32 is a float64) into shared memory, which the inference worker reads in
 * place, as it does the upload itself (see `upload-source.ts`).
 */
export function readNpyValues(bytes: Uint8Array, layout: NpyMatrixLayout): Float64Array {
  const n = layout.count * layout.sampleLength;
  const start = bytes.byteOffset + layout.dataOffset;
  if (!LITTLE_ENDIAN_HOST) return readWithDataView(bytes, layout, n);
  const end = layout.dataOffset + n * ITEM_SIZE[layout.dtype];
  if (layout.dtype === 'f8') {
    if (start % 8 === 0) return new Float64Array(bytes.buffer, start, n);
    return alignedCopy(sharedFloat64Array(n), bytes.subarray(layout.dataOffset, end));
  }
  const floats =
    start % 4 === 0
      ? new Float32Array(bytes.buffer, start, n)
      : alignedCopy(new Float32Array(n), bytes.subarray(layout.dataOffset, end));
  const widened = sharedFloat64Array(n);
  widened.set(floats);
  return widened;
}

/** Copies raw bytes into a freshly allocated (hence aligned) typed array. Never `Buffer#slice`: it does not copy. */
function alignedCopy<T extends Float64Array | Float32Array>(target: T, source: Uint8Array): T {
  new Uint8Array(target.buffer).set(source);
  return target;
}

function readWithDataView(bytes: Uint8Array, layout: NpyMatrixLayout, n: number): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, n * ITEM_SIZE[layout.dtype]);
  const out = sharedFloat64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = layout.dtype === 'f8' ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return out;
}

function floatTypeOf(descr: string | null): NpyFloatType {
  if (descr === '<f8') return 'f8';
  if (descr === '<f4') return 'f4';
  if (descr === null)
    throw unsupported('Structured dtypes are not supported; use float64 or float32.', { dtype: null });
  // Echo the dtype only when it looks like one, e.g. `>f8` or `<i8`.
  const dtype = /^[<>|=]?[A-Za-z]\d{0,3}$/.test(descr) ? descr : null;
  if (dtype !== null && dtype.startsWith('>') && /^>f[48]$/.test(dtype)) {
    throw unsupported(
      `Big-endian data (${dtype}) is not supported; save little-endian float64 (<f8) or float32 (<f4).`,
      { dtype },
    );
  }
  throw unsupported(
    `The dtype ${dtype ?? '(unrecognised)'} is not supported; use little-endian float64 (<f8) or float32 (<f4).`,
    { dtype },
  );
}

function unsupported(message: string, details: Record<string, unknown>): GatewayError {
  return new GatewayError(ErrorCode.NPY_UNSUPPORTED, message, details);
}
