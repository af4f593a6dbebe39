import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import type { XmlSchemaViolation } from '../xml-engine';

/** Longest libxml message passed on to clients: list-type errors quote the whole sample otherwise. */
const MAX_MESSAGE_CHARS = 240;

/** The fields of libxmljs2's error objects that the gateway reads. Everything else (file, str1...) is dropped. */
interface LibxmlErrorLike {
  readonly message?: unknown;
  readonly line?: unknown;
  readonly column?: unknown;
  readonly level?: unknown;
}

/** libxml's `XML_ERR_ERROR`: errors at or above it make a parsed document unusable. */
export const LIBXML_LEVEL_ERROR = 2;

/** Trims, flattens whitespace and control characters, and caps a libxml message. */
export function cleanLibxmlMessage(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : '';
  // Control characters are exactly what this strips, so the pattern names them on purpose.
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  if (flat.length === 0) return 'unknown error';
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS - 1)}…` : flat;
}

/** A positive integer field of a libxml error, else null (libxml uses 0 for "unknown"). */
function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/** Severity of a libxml error object, or 0 when it carries none. */
export function levelOf(error: unknown): number {
  const level = (error as LibxmlErrorLike | null)?.level;
  return typeof level === 'number' ? level : 0;
}

/** Turns whatever libxml threw or reported while parsing into `XML_MALFORMED`. */
export function toMalformedError(error: unknown): GatewayError {
  const like = (typeof error === 'object' && error !== null ? error : {}) as LibxmlErrorLike;
  const line = positiveInt(like.line);
  const column = positiveInt(like.column);
  const message = cleanLibxmlMessage(like.message);
  const where = line === null ? '' : column === null ? ` (line ${line})` : ` (line ${line}, column ${column})`;
  return new GatewayError(
    ErrorCode.XML_MALFORMED,
    `The XML batch is not well-formed${where}: ${message}`,
    column === null ? { line, message } : { line, column, message },
  );
}

/** Maps libxml validation errors to line + cleaned message pairs. */
export function toViolations(errors: readonly unknown[]): XmlSchemaViolation[] {
  return errors.map((error) => {
    const like = (typeof error === 'object' && error !== null ? error : {}) as LibxmlErrorLike;
    return { line: positiveInt(like.line), message: cleanLibxmlMessage(like.message) };
  });
}
