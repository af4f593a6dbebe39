import { ErrorCode } from '../../../src/errors/error-code';
import type { BatchExpectation } from '../../../src/codec/signal-batch';
import { createLibxmlEngine } from '../../../src/codec/xml/libxml/libxml-engine';
import { loadXsdSchema } from '../../../src/codec/xml/libxml/xsd-schema';
import { createXmlBatchDecoder } from '../../../src/codec/xml/xml-batch-decoder';
import { batchXml, bitsOf, expectClientSafe, NS, seq, thrown } from './codec-helpers';
import { XSD_PATH } from './codec-helpers';

const engine = createLibxmlEngine(loadXsdSchema(XSD_PATH));
const decoder = createXmlBatchDecoder({ engine, maxXmlBytes: 1 << 20 });
const L = 4;
const expect4: BatchExpectation = { sampleLength: L, maxSamples: 5 };
const decode = (xml: string | Buffer, expect: BatchExpectation = expect4) =>
  decoder.decode(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, expect);
const fails = (xml: string | Buffer, expectation: BatchExpectation = expect4) => {
  const error = thrown(() => decode(xml, expectation));
  expectClientSafe(error);
  return error;
};

describe('XML batch decoder (real libxml)', () => {
  describe('valid batches', () => {
    it('decodes ids and values into one row-major Float64Array', () => {
      const batch = decode(batchXml(['1 2 3 4', '5 6 7 8', '-1 -2 -3 -4'], { ids: ['rec-001', 'a.b:c_d-e', 'Z9'] }));
      expect(batch).toMatchObject({ format: 'xml', count: 3, sampleLength: L, ids: ['rec-001', 'a.b:c_d-e', 'Z9'] });
      expect(batch.values).toBeInstanceOf(Float64Array);
      expect(Array.from(batch.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4]);
    });

    it('uses the zero-based index as the default id, per sample', () => {
      const batch = decode(batchXml([seq(L), seq(L), seq(L)], { ids: [undefined, 'named', undefined] }));
      expect(batch.ids).toEqual(['0', 'named', '2']);
    });

    it('reads tricky tokens exactly as Number() does', () => {
      const tokens = [
        '1.5e-3',
        '-0',
        '.5',
        '5.',
        '+1',
        '1E308',
        '4.9e-324',
        '0.1000000000000000055511151231257827',
        '123456789012345678901234567890',
        '2.2250738585072011e-308',
        '-0.0e-0',
        '9007199254740993',
      ];
      const batch = decode(batchXml([tokens.join(' ')]), { sampleLength: tokens.length, maxSamples: 1 });
      expect(bitsOf(batch.values)).toEqual(bitsOf(Float64Array.from(tokens, Number)));
      expect(Object.is(batch.values[1], -0)).toBe(true);
    });

    it('accepts newlines, tabs, CR LF and indentation inside and around samples', () => {
      const xml = `<batch xmlns="${NS}">\r\n\t<sample id="a">\r\n\t\t1\r\n\t\t2\t3\n   4\n\t</sample>\n\n<sample>5 6 7 8</sample></batch>`;
      expect(Array.from(decode(xml).values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('accepts a UTF-8 BOM, a prefixed namespace and xsi:schemaLocation (never fetched)', () => {
      const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(batchXml([seq(L)]))]);
      expect(decode(bom).count).toBe(1);
      expect(decode(`<b:batch xmlns:b="${NS}"><b:sample id="p">1 2 3 4</b:sample></b:batch>`).ids).toEqual(['p']);
      const located = `<batch xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS} http://127.0.0.1:9/x.xsd"><sample>1 2 3 4</sample></batch>`;
      expect(decode(located).count).toBe(1);
    });

    it('decision: CDATA sections are ordinary text', () => {
      expect(Array.from(decode(batchXml(['<![CDATA[1 2]]> 3 <![CDATA[4]]>'])).values)).toEqual([1, 2, 3, 4]);
    });

    it('decision: comments and processing instructions are allowed and ignored, as XML defines', () => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- before --><?app hint?>\n<batch xmlns="${NS}"><!-- between --><?pi x?>
        <sample>1 2<!-- inside --> 3 <?pi y?>4</sample></batch>\n<!-- after -->`;
      expect(Array.from(decode(xml).values)).toEqual([1, 2, 3, 4]);
      // A comment inside a token does not separate it: the character data is "12".
      expect(Array.from(decode(batchXml(['1<!-- -->2 3 4 5'])).values)).toEqual([12, 3, 4, 5]);
    });

    it('resolves character references and predefined entities (no DTD needed)', () => {
      expect(Array.from(decode(batchXml(['1&#x20;2&#9;&#51; 4'], { ids: ['a&#x2D;b'] })).values)).toEqual([1, 2, 3, 4]);
    });
  });

  describe('counts', () => {
    it.each([
      ['a self-closing batch', `<batch xmlns="${NS}"/>`],
      [
        'a batch with only whitespace and comments',
        `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n  <!-- nothing -->\n</batch>`,
      ],
    ])('EMPTY_BATCH for %s (before schema validation)', (_name, xml) => {
      expect(fails(xml).code).toBe(ErrorCode.EMPTY_BATCH);
    });

    it('EMPTY_BATCH for a zero-byte file', () => {
      expect(fails(Buffer.alloc(0)).code).toBe(ErrorCode.EMPTY_BATCH);
    });

    it('TOO_MANY_SAMPLES with limit and actual, before validating them', () => {
      const error = fails(batchXml(Array.from({ length: 7 }, () => 'not numbers')));
      expect(error.code).toBe(ErrorCode.TOO_MANY_SAMPLES);
      expect(error.details).toEqual({ limit: 5, actual: 7 });
    });
  });

  describe('values', () => {
    it.each([
      ['short', '1 2 3', 3],
      ['long', '1 2 3 4 5', 5],
      ['empty', '', 0],
    ])('WRONG_SAMPLE_LENGTH for a %s sample, with index, id, expected and actual', (_name, body, actual) => {
      const error = fails(batchXml([seq(L), body], { ids: ['first', 'second'] }));
      expect(error.code).toBe(ErrorCode.WRONG_SAMPLE_LENGTH);
      expect(error.details).toEqual({ sampleIndex: 1, sampleId: 'second', expected: L, actual });
      expect(error.message).toContain('Sample 1 (id "second") has');
    });

    it('WRONG_SAMPLE_LENGTH uses the default id when there is none', () => {
      expect(fails(batchXml([seq(L), seq(L), '1'])).details).toMatchObject({ sampleIndex: 2, sampleId: '2' });
    });

    it('reports a wrong length before a non-finite value in the same sample', () => {
      expect(fails(batchXml(['NaN 1 2'])).code).toBe(ErrorCode.WRONG_SAMPLE_LENGTH);
    });

    it.each([
      ['NaN', 2],
      ['INF', 0],
      ['-INF', 3],
      ['1e400', 1],
    ])('NON_FINITE_VALUE for %s, with sample index, id and value index', (token, valueIndex) => {
      const body = seq(L, (i) => (i === valueIndex ? token : '0.5'));
      const error = fails(batchXml([seq(L), body], { ids: ['ok', 'bad'] }));
      expect(error.code).toBe(ErrorCode.NON_FINITE_VALUE);
      expect(error.details).toEqual({ sampleIndex: 1, sampleId: 'bad', valueIndex });
    });
  });

  describe('schema', () => {
    it('XML_SCHEMA_INVALID names the first problem and its line', () => {
      const xml = `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n<sample>1 2 3 4</sample>\n<sample>1 x 3 4</sample>\n</batch>`;
      const error = fails(xml);
      expect(error.code).toBe(ErrorCode.XML_SCHEMA_INVALID);
      const errors = error.details['errors'] as { line: number; message: string }[];
      expect(errors[0]).toEqual({
        line: 4,
        message: expect.stringMatching(/'x' is not a valid value of the atomic type 'xs:double'/),
      });
      expect(error.message).toMatch(/line 4/);
      expect(error.message).toMatch(/sample/);
    });

    it('returns at most five errors', () => {
      const xml = batchXml(['a', 'b', 'c', 'd', 'e']);
      expect((fails(xml).details['errors'] as unknown[]).length).toBe(5);
    });

    it.each([
      ['an unknown element', `<batch xmlns="${NS}"><sample>1 2 3 4</sample><extra/></batch>`, /extra.*not expected/],
      [
        'the wrong namespace',
        '<batch xmlns="urn:other"><sample>1 2 3 4</sample></batch>',
        /No matching global declaration/,
      ],
      ['no namespace', '<batch><sample>1 2 3 4</sample></batch>', /No matching global declaration/],
      ['another root element', `<samples xmlns="${NS}"/>`, /No matching global declaration/],
      ['an id with a space', batchXml([seq(L)], { ids: ['a b'] }), /pattern/],
      ['an empty id', batchXml([seq(L)], { ids: [''] }), /minLength|pattern/],
      ['an id of 129 characters', batchXml([seq(L)], { ids: ['a'.repeat(129)] }), /maxLength/],
      ['an unknown attribute', `<batch xmlns="${NS}"><sample foo="1">1 2 3 4</sample></batch>`, /foo.*not allowed/],
      [
        'a namespaced id attribute',
        `<b:batch xmlns:b="${NS}"><b:sample b:id="x">1 2 3 4</b:sample></b:batch>`,
        /not allowed/,
      ],
      ['text directly in batch', `<batch xmlns="${NS}">junk<sample>1 2 3 4</sample></batch>`, /Character content/],
      [
        'an element inside a sample',
        `<batch xmlns="${NS}"><sample><v>1</v></sample></batch>`,
        /Element content is not allowed/,
      ],
      ['+INF (not an XSD 1.0 double)', batchXml(['+INF 1 2 3']), /\+INF/],
      ['a hexadecimal number', batchXml(['0x10 1 2 3']), /0x10/],
      ['a comma decimal separator', batchXml(['1,5 1 2 3']), /1,5/],
      [
        'xsi:type switching to xs:string',
        `<batch xmlns="${NS}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sample xsi:type="xs:string">a</sample></batch>`,
        /type/,
      ],
    ])('XML_SCHEMA_INVALID for %s', (_name, xml, pattern) => {
      const error = fails(xml);
      expect(error.code).toBe(ErrorCode.XML_SCHEMA_INVALID);
      expect(error.message).toMatch(pattern);
    });

    it('XML_SCHEMA_INVALID for "1e", which libxml 2.9 wrongly accepts as xs:double', () => {
      const error = fails(batchXml([seq(L), '1 2 1e 4']));
      expect(error.code).toBe(ErrorCode.XML_SCHEMA_INVALID);
      expect(error.details).toEqual({
        errors: [{ line: 4, message: "'1e' (value 2 of sample 1) is not a valid xs:double" }],
      });
    });
  });

  describe('well-formedness', () => {
    it.each([
      [
        'a truncated document',
        `<batch xmlns="${NS}">\n<sample>1 2`,
        { line: 2, column: expect.any(Number), message: expect.stringMatching(/Premature end of data/) },
      ],
      [
        'a mismatched end tag',
        `<batch xmlns="${NS}">\n<sample>1 2 3 4</sampel></batch>`,
        { line: 2, message: expect.stringMatching(/tag mismatch/) },
      ],
      [
        'an undeclared entity',
        `<batch xmlns="${NS}"><sample>&foo; 1 2 3</sample></batch>`,
        { line: 1, message: "Entity 'foo' not defined" },
      ],
      [
        'an undeclared namespace prefix',
        '<b:batch><b:sample>1 2 3 4</b:sample></b:batch>',
        { line: 1, message: expect.stringMatching(/prefix b/) },
      ],
      ['a NUL byte', `<batch xmlns="${NS}"><sample>1\u0000 2 3 4</sample></batch>`, { line: 1 }],
      [
        'two root elements',
        `<batch xmlns="${NS}"><sample>1 2 3 4</sample></batch><batch/>`,
        { message: expect.stringMatching(/Extra content/) },
      ],
      ['text only', '<', { line: 1 }],
    ])('XML_MALFORMED for %s, with libxml line, column and message', (_name, xml, details) => {
      const error = fails(xml);
      expect(error.code).toBe(ErrorCode.XML_MALFORMED);
      expect(error.details).toMatchObject(details);
      expect(error.details['message']).toBe((error.details['message'] as string).trim());
    });
  });

  describe('size', () => {
    it('FILE_TOO_LARGE above maxXmlBytes', () => {
      const small = createXmlBatchDecoder({ engine, maxXmlBytes: 100 });
      const error = thrown(() => small.decode(Buffer.from(batchXml([seq(40)])), expect4));
      expect(error.code).toBe(ErrorCode.FILE_TOO_LARGE);
      expect(error.details).toMatchObject({ limit: 100 });
    });

    it("FILE_TOO_LARGE above libxml's 10,000,000-byte document limit, whatever maxXmlBytes says", () => {
      const roomy = createXmlBatchDecoder({ engine, maxXmlBytes: 64 * 1024 * 1024 });
      const bytes = Buffer.alloc(10_000_001, 0x20);
      Buffer.from(batchXml([seq(L)])).copy(bytes);
      const error = thrown(() => roomy.decode(bytes, expect4));
      expect(error.code).toBe(ErrorCode.FILE_TOO_LARGE);
      expect(error.details).toEqual({ limit: 10_000_000, actual: 10_000_001 });
    });
  });
});
