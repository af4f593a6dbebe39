import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ErrorCode } from '../../../src/errors/error-code';
import { createLibxmlEngine } from '../../../src/codec/xml/libxml/libxml-engine';
import { LIBXML_MAX_DOCUMENT_BYTES, LIBXML_PARSE_OPTIONS } from '../../../src/codec/xml/libxml/libxml-parse-options';
import { loadXsdSchema, XsdSchema } from '../../../src/codec/xml/libxml/xsd-schema';
import type { XmlDocumentView } from '../../../src/codec/xml/xml-engine';
import { batchXml, expectClientSafe, NS, seq, thrown, XSD_PATH } from './codec-helpers';

const engine = createLibxmlEngine(loadXsdSchema(XSD_PATH));
const parse = (xml: string) => engine.parse(Buffer.from(xml, 'utf8'));
const SAMPLE = { localName: 'sample', namespaceUri: NS };

describe('libxml engine', () => {
  it('exposes the root, child counts and samples (line, id, text)', () => {
    const doc = parse(
      `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n  <sample id="a">1 2</sample>\n  <other/>\n  <sample>3\n4</sample>\n</batch>`,
    );
    expect(doc.root).toEqual({ localName: 'batch', namespaceUri: NS });
    expect(doc.countRootChildren()).toBe(3);
    expect(doc.countRootChildren(SAMPLE)).toBe(2);
    expect(doc.countRootChildren({ localName: 'other', namespaceUri: NS })).toBe(1);
    const samples = doc.rootChildren(SAMPLE);
    expect(samples.map((s) => [s.line, s.attribute('id'), s.text()])).toEqual([
      [3, 'a', '1 2'],
      [5, undefined, '3\n4'],
    ]);
  });

  it('finds elements in no namespace too', () => {
    const doc = parse('<batch><sample>1</sample></batch>');
    expect(doc.root).toEqual({ localName: 'batch', namespaceUri: null });
    expect(doc.countRootChildren({ localName: 'sample', namespaceUri: null })).toBe(1);
    expect(doc.countRootChildren(SAMPLE)).toBe(0);
  });

  it('refuses names that are not NCNames rather than building XPath from them', () => {
    const doc = parse(batchXml(['1']));
    expect(thrown(() => doc.rootChildren({ localName: "x' or '1'='1", namespaceUri: NS })).code).toBe(
      ErrorCode.INTERNAL_SERVER_ERROR,
    );
  });

  it('maps parse errors to XML_MALFORMED with line, column and a trimmed message', () => {
    const error = thrown(() => parse(`<batch xmlns="${NS}">\n<sample>1</sample>\n</batc>`));
    expect(error.code).toBe(ErrorCode.XML_MALFORMED);
    expect(error.details).toEqual({
      line: 3,
      column: expect.any(Number),
      message: 'Opening and ending tag mismatch: batch line 1 and batc',
    });
    expect(error.message).toMatch(
      /^The XML batch is not well-formed \(line 3, column \d+\): Opening and ending tag mismatch/,
    );
  });

  it.each([
    ['an empty document', ''],
    ['only a comment', '<!-- nothing -->'],
    ['only whitespace', '   \n'],
  ])('answers XML_MALFORMED for %s', (_name, xml) => {
    expect(thrown(() => parse(xml)).code).toBe(ErrorCode.XML_MALFORMED);
  });

  it('keeps libxml limits: a text node over 10 MB fails inside libxml as XML_MALFORMED, without crashing', () => {
    const error = thrown(() => parse(batchXml([seq(5_500_000, () => '1')])));
    expect(error.code).toBe(ErrorCode.XML_MALFORMED);
    expectClientSafe(error);
  });

  it('keeps libxml limits: nesting deeper than 256 is XML_MALFORMED', () => {
    const error = thrown(() => parse(`<batch xmlns="${NS}">${'<a>'.repeat(300)}${'</a>'.repeat(300)}</batch>`));
    expect(error.code).toBe(ErrorCode.XML_MALFORMED);
    expect(error.details['message']).toMatch(/Excessive depth/);
  });

  it(`cannot parse past ${LIBXML_MAX_DOCUMENT_BYTES} bytes without "huge", which is why the decoder caps uploads there`, () => {
    const sample = seq(5000, (i) => String(Math.sin(i) / 3));
    const samplesNeeded = Math.ceil(LIBXML_MAX_DOCUMENT_BYTES / sample.length) + 1;
    const xml = batchXml(Array.from({ length: samplesNeeded }, () => sample));
    expect(xml.length).toBeGreaterThan(LIBXML_MAX_DOCUMENT_BYTES);
    expect(engine.maxDocumentBytes).toBe(LIBXML_MAX_DOCUMENT_BYTES);
    expect(thrown(() => parse(xml)).details['message']).toMatch(/Huge input lookup/);
  });

  it('parses with safe options only', () => {
    expect(LIBXML_PARSE_OPTIONS).toMatchObject({
      encoding: 'UTF-8',
      nonet: true,
      noent: false,
      dtdload: false,
      dtdvalid: false,
      xinclude: false,
      huge: false,
    });
    // Inverted names set a flag when false; `doctype: false` would turn on XML_PARSE_DTDLOAD.
    for (const inverted of [
      'doctype',
      'errors',
      'warnings',
      'blanks',
      'net',
      'dict',
      'implied',
      'cdata',
      'xincnode',
      'basefix',
      'recover',
    ]) {
      expect(LIBXML_PARSE_OPTIONS).not.toHaveProperty(inverted);
    }
  });

  it('validates with line numbers and caps long messages', () => {
    const doc = parse(`<batch xmlns="${NS}">\n<sample>1</sample>\n<sample>${seq(500)} x</sample>\n</batch>`);
    const violations = engine.validate(doc);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.line === 3 && v.message.length <= 240 && v.message === v.message.trim())).toBe(
      true,
    );
  });

  it('returns no violations for a valid document', () => {
    expect(engine.validate(parse(batchXml(['1 2'])))).toEqual([]);
  });

  it('refuses to validate a document it did not parse', () => {
    const foreign: XmlDocumentView = {
      root: { localName: 'batch', namespaceUri: NS },
      countRootChildren: () => 0,
      rootChildren: () => [],
    };
    expect(thrown(() => engine.validate(foreign)).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
  });
});

describe('XSD schema loading', () => {
  const shipped = readFileSync(XSD_PATH, 'utf8');

  it('ships a self-contained, versioned, documented schema', () => {
    expect(shipped).toMatch(/targetNamespace="urn:infergraph:batch:1"/);
    expect(shipped).toMatch(/elementFormDefault="qualified"/);
    expect(shipped).toMatch(/<xs:annotation>/);
    expect(shipped).not.toMatch(/<xs:(import|include|redefine|override|key|keyref|unique)\b/);
    expect(() => XsdSchema.fromBytes(Buffer.from(shipped))).not.toThrow();
  });

  it.each([
    [
      'an import',
      shipped.replace(
        '<xs:annotation>',
        '<xs:import namespace="urn:x" schemaLocation="http://127.0.0.1:9/x.xsd"/>\n  <xs:annotation>',
      ),
    ],
    [
      'an identity constraint',
      shipped.replace(
        '<xs:element name="batch" type="b:BatchType">',
        '<xs:element name="batch" type="b:BatchType"><xs:unique name="u"><xs:selector xpath="b:sample"/><xs:field xpath="@id"/></xs:unique>',
      ),
    ],
    ['a schema that is not well-formed', shipped.slice(0, 200)],
    ['a schema libxml cannot compile', shipped.replace('type="b:BatchType"', 'type="b:NoSuchType"')],
    [
      'a schema that rejects a minimal batch',
      shipped.replace('<xs:list itemType="xs:double"/>', '<xs:list itemType="xs:date"/>'),
    ],
  ])('fails at start-up for %s, with INTERNAL_SERVER_ERROR', (_name, text) => {
    const error = thrown(() => XsdSchema.fromBytes(Buffer.from(text)));
    expect(error.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(error.message).toMatch(/^The XML batch schema could not be loaded: /);
  });

  it('fails for a missing file without putting the path in the message', () => {
    const missing = path.join(tmpdir(), 'infergraph-no-such-dir', 'batch.v1.xsd');
    const error = thrown(() => loadXsdSchema(missing));
    expect(error.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(error.message).not.toContain(missing);
    expect(error.cause).toBeDefined();
  });
});
