import { isUtf8 } from 'node:buffer';

import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { emptyBatchError } from '../batch-errors';
import { sniffForeignXmlEncoding, startsWithBytes, UTF8_BOM } from './xml-encoding';

/**
 * Markup declarations can only live in a DTD; refusing them anywhere blocks XXE, entity expansion ("billion
 * laughs"), external DTD loading, and the entity-reference node types the 2024 libxmljs2 advisories rely on.
 */
const FORBIDDEN_DECLARATIONS = ['DOCTYPE', 'ENTITY', 'ELEMENT', 'ATTLIST', 'NOTATION'] as const;

/** An XML declaration is short; looking further only costs time on hostile input. */
const MAX_DECLARATION_BYTES = 1024;

/**
 * Checks an uploaded XML document before any parser sees it: not empty, not bigger than `maxBytes`, UTF-8 and
 * declared as such, and free of DTD declarations. Throws `GatewayError`; returns nothing when the bytes may be
 * parsed.
 */
export function guardXmlBytes(bytes: Buffer, maxBytes: number): void {
  if (bytes.length === 0) throw emptyBatchError('The uploaded file is empty.');
  if (bytes.length > maxBytes) {
    throw new GatewayError(
      ErrorCode.FILE_TOO_LARGE,
      `The XML batch is ${bytes.length} bytes; at most ${maxBytes} bytes are accepted.`,
      { limit: maxBytes, actual: bytes.length },
    );
  }
  checkEncoding(bytes);
  checkDeclarations(bytes);
}

function checkEncoding(bytes: Buffer): void {
  const foreign = sniffForeignXmlEncoding(bytes);
  if (foreign !== null) throw unsupportedEncoding(`The XML batch is ${foreign}; only UTF-8 is accepted.`, foreign);
  if (!isUtf8(bytes)) throw unsupportedEncoding('The XML batch is not valid UTF-8; only UTF-8 is accepted.', null);
  const declared = declaredEncodings(bytes).find((name) => name.toLowerCase() !== 'utf-8');
  if (declared !== undefined) {
    throw unsupportedEncoding(`The XML batch declares encoding "${declared}"; only UTF-8 is accepted.`, declared);
  }
}

/** Values of `encoding="..."` in a leading XML declaration (normally zero or one). */
function declaredEncodings(bytes: Buffer): string[] {
  const start = startsWithBytes(bytes, UTF8_BOM) ? UTF8_BOM.length : 0;
  // `<?xml` must be followed by whitespace; `<?xml-stylesheet` is a processing instruction, not a declaration.
  if (bytes.toString('latin1', start, start + 5) !== '<?xml' || !isXmlSpace(bytes[start + 5])) return [];
  const head = bytes.toString('latin1', start, Math.min(bytes.length, start + MAX_DECLARATION_BYTES));
  const end = head.indexOf('?>');
  const declaration = end === -1 ? head : head.slice(0, end);
  const names: string[] = [];
  for (const match of declaration.matchAll(/encoding\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const value = match[1] ?? match[2] ?? '';
    // Echoed to the client, so only the characters an XML EncName may contain, and not too many.
    names.push(/^[A-Za-z][A-Za-z0-9._-]{0,39}$/.test(value) ? value : '(invalid name)');
  }
  return names;
}

function checkDeclarations(bytes: Buffer): void {
  for (let at = bytes.indexOf('<!'); at !== -1; at = bytes.indexOf('<!', at + 2)) {
    const word = bytes.toString('latin1', at + 2, at + 10).toUpperCase();
    const found = FORBIDDEN_DECLARATIONS.find((name) => word.startsWith(name));
    if (found !== undefined) {
      throw new GatewayError(
        ErrorCode.XML_FORBIDDEN_DECLARATION,
        `The XML batch contains a <!${found} declaration (line ${lineAt(bytes, at)}); DTDs and entities are not accepted.`,
        { declaration: found, line: lineAt(bytes, at) },
      );
    }
  }
}

function unsupportedEncoding(message: string, encoding: string | null): GatewayError {
  return new GatewayError(ErrorCode.XML_UNSUPPORTED_ENCODING, message, { encoding });
}

function isXmlSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** 1-based line of a byte offset (only computed on the error path). */
function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) line++;
  return line;
}
