import { ErrorCode } from '../../../src/errors/error-code';
import { guardXmlBytes } from '../../../src/codec/xml/xml-bytes-guard';
import { batchXml, thrown } from './codec-helpers';

const MAX = 1 << 20;
const valid = batchXml(['1 2 3']);
const guard = (bytes: Buffer | string, max = MAX) =>
  guardXmlBytes(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, max);

describe('guardXmlBytes', () => {
  describe('lets well-behaved UTF-8 documents through', () => {
    it.each([
      ['a document with a UTF-8 declaration', valid],
      ['a document without declaration', valid.slice(valid.indexOf('\n') + 1)],
      ['a lower-case, single-quoted encoding', valid.replace('encoding="UTF-8"', "encoding='utf-8'")],
      ['spaces around =', valid.replace('encoding="UTF-8"', 'encoding = "UTF-8"')],
      ['comments and CDATA (the only legitimate <! markup)', valid.replace('1 2 3', '<![CDATA[1 2]]> 3<!-- note -->')],
      [
        'an xml-stylesheet PI (not a declaration)',
        `<?xml-stylesheet type="text/xsl" encoding="latin1"?>\n${valid.slice(valid.indexOf('\n') + 1)}`,
      ],
      ['non-ASCII UTF-8 in a comment', valid.replace('<batch', '<!-- é ✓ 𝄞 --><batch')],
    ])('%s', (_name, text) => {
      expect(() => guard(text)).not.toThrow();
    });

    it('accepts a UTF-8 byte order mark', () => {
      expect(() => guard(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]))).not.toThrow();
    });
  });

  it('answers EMPTY_BATCH for zero bytes', () => {
    expect(thrown(() => guard(Buffer.alloc(0))).code).toBe(ErrorCode.EMPTY_BATCH);
  });

  it('answers FILE_TOO_LARGE above the limit, with limit and actual size', () => {
    const bytes = Buffer.from(valid);
    expect(() => guard(bytes, bytes.length)).not.toThrow();
    const error = thrown(() => guard(bytes, bytes.length - 1));
    expect(error.code).toBe(ErrorCode.FILE_TOO_LARGE);
    expect(error.details).toEqual({ limit: bytes.length - 1, actual: bytes.length });
  });

  describe('refuses other encodings with XML_UNSUPPORTED_ENCODING', () => {
    const utf16le = Buffer.from(valid, 'utf16le');
    const utf16be = Buffer.from(utf16le).swap16();
    it.each([
      ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]), 'UTF-16LE'],
      ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]), 'UTF-16BE'],
      ['UTF-16LE without BOM', utf16le, 'UTF-16LE'],
      ['UTF-16BE without BOM', utf16be, 'UTF-16BE'],
      ['UTF-32LE with BOM (not mistaken for UTF-16LE)', Buffer.from([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0]), 'UTF-32LE'],
      ['UTF-32BE with BOM', Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x3c]), 'UTF-32BE'],
      ['UTF-32BE without BOM', Buffer.from([0, 0, 0, 0x3c, 0, 0, 0, 0x62]), 'UTF-32BE'],
    ])('%s', (_name, bytes, encoding) => {
      const error = thrown(() => guard(bytes));
      expect(error.code).toBe(ErrorCode.XML_UNSUPPORTED_ENCODING);
      expect(error.details).toEqual({ encoding });
    });

    it.each([
      ['a broken two-byte sequence', [0xc3, 0x28]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['a Latin-1 "é"', [0xe9]],
      ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ])('bytes that are not valid UTF-8: %s', (_name, bad) => {
      const bytes = Buffer.concat([
        Buffer.from(valid.replace('</batch>\n', '')),
        Buffer.from(bad),
        Buffer.from('</batch>'),
      ]);
      const error = thrown(() => guard(bytes));
      expect(error.code).toBe(ErrorCode.XML_UNSUPPORTED_ENCODING);
      expect(error.details).toEqual({ encoding: null });
    });

    it.each([
      ['ISO-8859-1', 'ISO-8859-1'],
      ['UTF-16 declared in UTF-8 bytes', 'UTF-16'],
      ['utf8 (no hyphen is not UTF-8 by name)', 'utf8'],
      ['an empty name', ''],
    ])('a declaration naming %s', (_name, declared) => {
      const error = thrown(() => guard(valid.replace('encoding="UTF-8"', `encoding="${declared}"`)));
      expect(error.code).toBe(ErrorCode.XML_UNSUPPORTED_ENCODING);
      expect(error.details).toEqual({ encoding: declared === '' ? '(invalid name)' : declared });
    });

    it('a second, contradicting encoding pseudo-attribute', () => {
      const error = thrown(() => guard(valid.replace('encoding="UTF-8"', 'encoding="UTF-8" encoding="latin1"')));
      expect(error.details).toEqual({ encoding: 'latin1' });
    });

    it('never echoes an odd encoding name verbatim', () => {
      const error = thrown(() => guard(valid.replace('encoding="UTF-8"', 'encoding="<script>"')));
      expect(error.details).toEqual({ encoding: '(invalid name)' });
      expect(error.message).not.toContain('<script>');
    });
  });

  describe('refuses DTD markup anywhere with XML_FORBIDDEN_DECLARATION', () => {
    it.each([
      ['DOCTYPE', '<!DOCTYPE batch>\n', 'DOCTYPE'],
      ['DOCTYPE with an internal subset', '<!DOCTYPE batch [<!ENTITY a "b">]>\n', 'DOCTYPE'],
      ['lower-case doctype', '<!doctype batch>\n', 'DOCTYPE'],
      ['a bare ENTITY', '<!ENTITY a "b">\n', 'ENTITY'],
      ['ELEMENT', '<!ELEMENT batch ANY>\n', 'ELEMENT'],
      ['ATTLIST', '<!ATTLIST sample id CDATA "x">\n', 'ATTLIST'],
      ['NOTATION', '<!NOTATION n SYSTEM "x">\n', 'NOTATION'],
    ])('%s', (_name, markup, declaration) => {
      const text = valid.replace('<batch', `${markup}<batch`);
      const error = thrown(() => guard(text));
      expect(error.code).toBe(ErrorCode.XML_FORBIDDEN_DECLARATION);
      expect(error.details).toEqual({ declaration, line: 2 });
    });

    it('even inside a comment, and reports the line', () => {
      const text = valid.replace('</batch>', '<!--\n\n <!DOCTYPE x> -->\n</batch>');
      const error = thrown(() => guard(text));
      expect(error.details).toEqual({ declaration: 'DOCTYPE', line: 6 });
    });
  });

  it('checks the encoding before looking for declarations', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<!DOCTYPE x>${valid}`, 'utf16le')]);
    expect(thrown(() => guard(bytes)).code).toBe(ErrorCode.XML_UNSUPPORTED_ENCODING);
  });
});
