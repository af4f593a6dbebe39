import { readFileSync } from 'node:fs';
import path from 'node:path';

import { createBatchCodec } from '../../../src/codec/batch-codec';
import { ErrorCode } from '../../../src/errors/error-code';
import { batchXml, expectClientSafe, FIXTURES, NS, seq, thrown, XSD_PATH } from './codec-helpers';

// The production configuration: a generous upload cap, so that the guard and libxml (not the size cap) stop these.
const codec = createBatchCodec({ xsdPath: XSD_PATH, maxXmlBytes: 64 * 1024 * 1024 });
const L = 4;
const expectation = { sampleLength: L, maxSamples: 8 };
const decode = (bytes: string | Buffer, filename?: string) =>
  codec.decode(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, filename, expectation);
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

/** After every hostile input the same codec must still decode a valid batch. */
function expectStillWorking(): void {
  expect(Array.from(decode(batchXml(['1 2 3 4'])).values)).toEqual([1, 2, 3, 4]);
}

describe('hostile XML', () => {
  it.each([
    ['an external entity (XXE, file:///etc/passwd)', 'xxe-file.xml', ErrorCode.XML_FORBIDDEN_DECLARATION],
    ['parameter entities (out-of-band XXE)', 'xxe-parameter-entity.xml', ErrorCode.XML_FORBIDDEN_DECLARATION],
    ['billion laughs', 'billion-laughs.xml', ErrorCode.XML_FORBIDDEN_DECLARATION],
    ['an external DTD over the network', 'external-dtd.xml', ErrorCode.XML_FORBIDDEN_DECLARATION],
    ['a bare DOCTYPE', 'doctype-only.xml', ErrorCode.XML_FORBIDDEN_DECLARATION],
    ['an XInclude of /etc/passwd in the batch (not processed)', 'xinclude.xml', ErrorCode.XML_SCHEMA_INVALID],
    ['an XInclude inside a sample (not processed)', 'xinclude-in-sample.xml', ErrorCode.XML_SCHEMA_INVALID],
    ['an ISO-8859-1 declaration', 'latin1-declaration.xml', ErrorCode.XML_UNSUPPORTED_ENCODING],
  ])('refuses %s (fixture %s)', (_name, file, code) => {
    const error = thrown(() => decode(fixture(file), file));
    expect(error.code).toBe(code);
    expectClientSafe(error);
    expect(JSON.stringify(error.details)).not.toMatch(/lollol|root:/);
    expectStillWorking();
  });

  it('ignores xsi:schemaLocation pointing at a remote schema (fixture schema-location.xml)', () => {
    const batch = codec.decode(fixture('schema-location.xml'), 'schema-location.xml', {
      sampleLength: 1,
      maxSamples: 1,
    });
    expect(batch.ids).toEqual(['a']);
  });

  it.each([10_000, 100_000])('refuses %i levels of nesting as XML_MALFORMED without crashing', (depth) => {
    const error = thrown(() => decode(`<batch xmlns="${NS}">${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</batch>`));
    expect(error.code).toBe(ErrorCode.XML_MALFORMED);
    expect(error.details['message']).toMatch(/depth/i);
    expectStillWorking();
  });

  it('refuses a text node over 10 MB: FILE_TOO_LARGE, as the whole document is over the parser limit', () => {
    const error = thrown(() => decode(batchXml([seq(5_500_000, () => '1')])));
    expect(error.code).toBe(ErrorCode.FILE_TOO_LARGE);
    expect(error.details).toMatchObject({ limit: 10_000_000 });
    expectStillWorking();
  });

  it.each([
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(batchXml([seq(L)]), 'utf16le')])],
    ['UTF-16BE with BOM', Buffer.from([0xfe, 0xff, 0x00, 0x3c, 0x00, 0x62])],
    ['UTF-16LE without BOM', Buffer.from(batchXml([seq(L)]), 'utf16le')],
    [
      'invalid UTF-8 in an attribute',
      Buffer.concat([
        Buffer.from(`<batch xmlns="${NS}"><sample id="`),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('">1</sample></batch>'),
      ]),
    ],
    [
      'a Latin-1 declaration built in memory',
      batchXml([seq(L)], { prolog: '<?xml version="1.0" encoding="ISO-8859-1"?>' }),
    ],
  ])('answers XML_UNSUPPORTED_ENCODING for %s, even without a filename', (_name, bytes) => {
    expect(thrown(() => decode(bytes)).code).toBe(ErrorCode.XML_UNSUPPORTED_ENCODING);
    expectStillWorking();
  });

  it.each([
    ['binary junk', Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251), ErrorCode.UNSUPPORTED_FILE_TYPE],
    [
      'binary junk after a "<"',
      Buffer.concat([Buffer.from('<'), Buffer.from(Uint8Array.from({ length: 512 }, (_, i) => (i * 31 + 7) % 256))]),
      ErrorCode.XML_UNSUPPORTED_ENCODING,
    ],
    ['a truncated document', batchXml(['1 2 3 4']).slice(0, 60), ErrorCode.XML_MALFORMED],
    ['a document cut inside a comment', `<batch xmlns="${NS}"><!-- never closed`, ErrorCode.XML_MALFORMED],
    ['an unclosed CDATA section', `<batch xmlns="${NS}"><sample><![CDATA[1 2`, ErrorCode.XML_MALFORMED],
    [
      'a processing instruction named xml in the middle',
      `<batch xmlns="${NS}"><?xml version="1.0"?><sample>1 2 3 4</sample></batch>`,
      ErrorCode.XML_MALFORMED,
    ],
    [
      'an attribute without quotes',
      `<batch xmlns="${NS}"><sample id=a>1 2 3 4</sample></batch>`,
      ErrorCode.XML_MALFORMED,
    ],
    [
      'an element name of 60,000 characters',
      `<batch xmlns="${NS}"><${'x'.repeat(60_000)}/></batch>`,
      ErrorCode.XML_MALFORMED,
    ],
  ])('refuses %s', (_name, bytes, code) => {
    const error = thrown(() => decode(Buffer.from(bytes)));
    expect(error.code).toBe(code);
    expectClientSafe(error);
    expectStillWorking();
  });
});
