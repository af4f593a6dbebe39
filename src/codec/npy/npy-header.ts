import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { parsePyLiteral, PyLiteralSyntaxError, type PyLiteral } from './python-literal';

/** `\x93NUMPY`, the first six bytes of every `.npy` file. */
export const NPY_MAGIC: readonly number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/**
 * numpy itself refuses headers over 10,000 bytes by default (`max_header_size`); a float matrix needs about 128.
 */
const MAX_HEADER_BYTES = 10_000;

/** The header of a `.npy` file, syntactically valid but not yet checked for what the gateway supports. */
export interface NpyHeader {
  readonly major: 1 | 2 | 3;
  readonly minor: number;
  /** numpy dtype string, e.g. `<f8`; null when `descr` is not a string (structured dtypes). */
  readonly descr: string | null;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Byte offset of the array data within the file. */
  readonly dataOffset: number;
}

/**
 * Parses the preamble and header dict of a `.npy` file (format versions 1.0, 2.0 and 3.0) without evaluating it.
 * Throws `NPY_MALFORMED` for anything that is not a well-formed header and `NPY_UNSUPPORTED` for other versions.
 */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 8 || NPY_MAGIC.some((byte, i) => bytes[i] !== byte))
    throw malformed('it does not start with the NPY magic string');
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new GatewayError(
      ErrorCode.NPY_UNSUPPORTED,
      `NPY format version ${major}.${minor} is not supported; use 1.0, 2.0 or 3.0.`,
      {
        version: `${major}.${minor}`,
      },
    );
  }
  // Version 1 stores the header length in 2 bytes, later versions in 4.
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthBytes;
  if (bytes.length < headerStart) throw malformed('the header length is missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES)
    throw malformed(`the header is ${headerLength} bytes long (at most ${MAX_HEADER_BYTES})`);
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) throw malformed('the header runs past the end of the file');

  // Versions 1 and 2 are Latin-1, version 3 is UTF-8; a float header is plain ASCII in all of them.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(
    major === 3 ? 'utf8' : 'latin1',
  );
  const dict = parseDict(text);
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (dict.size !== 3 || descr === undefined || fortranOrder === undefined || shape === undefined) {
    throw malformed("the header must have exactly the keys 'descr', 'fortran_order' and 'shape'");
  }
  if (typeof fortranOrder !== 'boolean') throw malformed("'fortran_order' must be True or False");
  return {
    major,
    minor,
    descr: typeof descr === 'string' ? descr : null,
    fortranOrder,
    shape: shapeOf(shape),
    dataOffset,
  };
}

function parseDict(text: string): ReadonlyMap<string, PyLiteral> {
  let literal: PyLiteral;
  try {
    literal = parsePyLiteral(text);
  } catch (error) {
    if (error instanceof PyLiteralSyntaxError)
      throw malformed(`the header is not a valid dict literal (${error.message})`);
    throw error;
  }
  if (typeof literal !== 'object' || literal === null || literal.kind !== 'dict')
    throw malformed('the header is not a dict');
  return literal.entries;
}

function shapeOf(literal: PyLiteral): number[] {
  if (typeof literal !== 'object' || literal === null || literal.kind !== 'tuple')
    throw malformed("'shape' must be a tuple");
  return literal.items.map((item) => {
    if (typeof item !== 'number') throw malformed("'shape' must hold non-negative integers");
    return item;
  });
}

/** `NPY_MALFORMED` with a reason that never quotes the header itself. */
export function malformed(reason: string): GatewayError {
  return new GatewayError(ErrorCode.NPY_MALFORMED, `The .npy file is malformed: ${reason}.`);
}
