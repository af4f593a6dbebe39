/**
 * Builds `.npy` files in memory for tests, including deliberately broken ones: any dtype string, shape, header
 * version, byte order or alignment. An independent writer (it shares no code with `src/codec/npy`), so decoder
 * tests do not check the decoder against itself.
 */

/** Element data: numbers are converted to the dtype; bigint arrays are for 8-byte integer dtypes. */
export type NpyData = ArrayLike<number> | BigInt64Array | BigUint64Array | readonly bigint[];

export interface NpyOptions {
  /** numpy dtype string, e.g. `<f8`, `<f4`, `>f8`, `<i8`, `|u1`. */
  readonly descr: string;
  readonly shape: readonly number[];
  /** Values in C order (or Fortran order if you set `fortranOrder`, the bytes are written as given). Default zeros. */
  readonly data?: NpyData;
  readonly fortranOrder?: boolean;
  /** Format version: 1 (2-byte header length), 2 or 3 (4-byte header length). Default 1. */
  readonly version?: 1 | 2 | 3;
  /** Pad the preamble + header to a multiple of this (numpy uses 64). 1 means no padding. Default 64. */
  readonly align?: number;
  /** Replace the header dict text entirely (padding and the trailing newline are still added). */
  readonly header?: string;
}

/** `.npy` bytes for the given options. */
export function npyBytes(options: NpyOptions): Buffer {
  const version = options.version ?? 1;
  const align = options.align ?? 64;
  const dict =
    options.header ??
    `{'descr': '${options.descr}', 'fortran_order': ${options.fortranOrder === true ? 'True' : 'False'}, 'shape': ${pyTuple(options.shape)}, }`;
  const preamble = version === 1 ? 10 : 12;
  let header = dict;
  const unpadded = preamble + header.length + 1;
  header += ' '.repeat((align - (unpadded % align)) % align) + '\n';
  const head = Buffer.alloc(preamble);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(head, 0);
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  const count = options.shape.reduce((a, b) => a * b, 1);
  return Buffer.concat([
    head,
    Buffer.from(header, version === 3 ? 'utf8' : 'latin1'),
    encode(options.descr, count, options.data),
  ]);
}

/** The same bytes at an address that is `shift` bytes past 8-byte alignment (for unaligned-read tests). */
export function misaligned(bytes: Uint8Array, shift = 1): Buffer {
  const holder = Buffer.alloc(bytes.length + shift);
  holder.set(bytes, shift);
  return holder.subarray(shift);
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function encode(descr: string, count: number, data: NpyData | undefined): Buffer {
  const match = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (match === null) return Buffer.alloc(0);
  const [, order, kind, sizeText] = match;
  const size = Number(sizeText);
  const little = order !== '>';
  const n = data?.length ?? count;
  const out = Buffer.alloc(n * size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < n; i++) {
    const raw = data === undefined ? 0 : ((data as ArrayLike<number | bigint>)[i] ?? 0);
    const at = i * size;
    const key = `${kind}${size}`;
    if (key === 'f8') view.setFloat64(at, Number(raw), little);
    else if (key === 'f4') view.setFloat32(at, Number(raw), little);
    else if (key === 'f2') view.setUint16(at, 0, little);
    else if (key === 'i8') view.setBigInt64(at, BigInt(raw), little);
    else if (key === 'u8') view.setBigUint64(at, BigInt(raw), little);
    else if (key === 'i4') view.setInt32(at, Number(raw), little);
    else if (key === 'u4') view.setUint32(at, Number(raw), little);
    else if (key === 'i2') view.setInt16(at, Number(raw), little);
    else if (key === 'u2') view.setUint16(at, Number(raw), little);
    else if (key === 'i1') view.setInt8(at, Number(raw));
    else if (key === 'u1' || key === 'b1') view.setUint8(at, Number(raw));
    else throw new Error(`npyBytes: no encoder for ${descr}`);
  }
  return out;
}
