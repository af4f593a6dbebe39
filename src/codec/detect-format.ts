import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import { NPY_MAGIC } from './npy/npy-header';
import type { BatchFormat } from './signal-batch';
import { sniffForeignXmlEncoding, startsWithBytes, UTF8_BOM } from './xml/xml-encoding';

/** Longest filename echoed back in error details. */
const MAX_FILENAME_CHARS = 100;

const NPY_MAGIC_BYTES = Uint8Array.from(NPY_MAGIC);

/**
 * Decides how to decode an upload from its first bytes:
 * - `npy` when it starts with the NPY magic `\x93NUMPY`;
 * - `xml` when, after an optional UTF-8 BOM and XML whitespace, it starts with `<`; also for UTF-16/UTF-32 text
 *   (BOM or BOM-less `<`), so that the XML decoder can answer `XML_UNSUPPORTED_ENCODING`.
 *
 * The filename is a client claim and never decides on its own; its extension is only used when the bytes agree
 * (a file named `.npy` holding a truncated prefix of the magic is still routed to the NPY decoder, which reports it
 * as malformed). Anything else is `UNSUPPORTED_FILE_TYPE`.
 */
export function detectBatchFormat(bytes: Uint8Array, filename?: string): BatchFormat {
  if (startsWithBytes(bytes, NPY_MAGIC)) return 'npy';
  if (looksLikeXml(bytes)) return 'xml';
  const extension = extensionOf(filename);
  if (
    extension === 'npy' &&
    bytes.length > 0 &&
    bytes.length < NPY_MAGIC.length &&
    startsWithBytes(NPY_MAGIC_BYTES, [...bytes])
  ) {
    return 'npy';
  }
  const name = safeBasename(filename);
  throw new GatewayError(
    ErrorCode.UNSUPPORTED_FILE_TYPE,
    'The uploaded file is neither an XML batch nor a .npy array.',
    name === undefined ? {} : { filename: name },
  );
}

function looksLikeXml(bytes: Uint8Array): boolean {
  if (sniffForeignXmlEncoding(bytes) !== null) return true;
  let at = startsWithBytes(bytes, UTF8_BOM) ? UTF8_BOM.length : 0;
  while (at < bytes.length && isXmlSpace(bytes[at] as number)) at++;
  return bytes[at] === 0x3c; // '<'
}

function isXmlSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function extensionOf(filename: string | undefined): string | undefined {
  const name = safeBasename(filename);
  const dot = name?.lastIndexOf('.') ?? -1;
  return name === undefined || dot === -1 ? undefined : name.slice(dot + 1).toLowerCase();
}

/**
 * The last path segment of a client-given filename, restricted to characters that are safe to echo (others become
 * `_`) and capped in length; undefined when nothing is left.
 */
export function safeBasename(filename: string | undefined): string | undefined {
  if (filename === undefined) return undefined;
  const base = filename.split(/[\\/]/).pop() ?? '';
  const safe = base
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .slice(0, MAX_FILENAME_CHARS)
    .trim();
  return safe === '' || /^[._]+$/.test(safe) ? undefined : safe;
}
