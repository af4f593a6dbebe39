/**
 * Recognises XML documents in encodings the gateway refuses, from their first bytes (XML 1.0 Appendix F). Shared
 * by the XML guard, which refuses them, and by format detection, which must still route them to the XML decoder
 * so that the client hears "wrong encoding" rather than "unknown file type".
 */

/** Longest first, so that UTF-32LE's BOM (FF FE 00 00) is not taken for UTF-16LE's (FF FE). */
const SIGNATURES: ReadonlyArray<readonly [ForeignXmlEncoding, readonly number[]]> = [
  ['UTF-32BE', [0x00, 0x00, 0xfe, 0xff]],
  ['UTF-32LE', [0xff, 0xfe, 0x00, 0x00]],
  ['UTF-32BE', [0x00, 0x00, 0x00, 0x3c]],
  ['UTF-32LE', [0x3c, 0x00, 0x00, 0x00]],
  ['UTF-16BE', [0xfe, 0xff]],
  ['UTF-16LE', [0xff, 0xfe]],
  // BOM-less UTF-16: `<` followed or preceded by a NUL byte.
  ['UTF-16BE', [0x00, 0x3c]],
  ['UTF-16LE', [0x3c, 0x00]],
];

/** Encodings {@link sniffForeignXmlEncoding} can name. */
export type ForeignXmlEncoding = 'UTF-16LE' | 'UTF-16BE' | 'UTF-32LE' | 'UTF-32BE';

/** The UTF-8 byte order mark, which is allowed. */
export const UTF8_BOM: readonly number[] = [0xef, 0xbb, 0xbf];

/** Names the UTF-16/UTF-32 flavour the bytes start with, or null when they do not look like one. */
export function sniffForeignXmlEncoding(bytes: Uint8Array): ForeignXmlEncoding | null {
  for (const [encoding, signature] of SIGNATURES) {
    if (startsWithBytes(bytes, signature)) return encoding;
  }
  return null;
}

/** True when `bytes` begins with `prefix`. */
export function startsWithBytes(bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[offset + i] !== prefix[i]) return false;
  }
  return true;
}
