import { ErrorCode } from '../../../src/errors/error-code';
import { GatewayError } from '../../../src/errors/gateway-error';
import { createXmlBatchDecoder } from '../../../src/codec/xml/xml-batch-decoder';
import type {
  XmlDocumentView,
  XmlElementView,
  XmlEngine,
  XmlName,
  XmlSchemaViolation,
} from '../../../src/codec/xml/xml-engine';
import { NS, thrown } from './codec-helpers';

interface FakeSample {
  readonly id?: string;
  readonly text: string;
  readonly line?: number;
}

/** A document made of plain objects: the decoder must not need anything else. */
function fakeDocument(
  samples: readonly FakeSample[],
  root: XmlName = { localName: 'batch', namespaceUri: NS },
): XmlDocumentView {
  const elements: XmlElementView[] = samples.map((s, i) => ({
    line: s.line ?? i + 3,
    attribute: (name) => (name === 'id' ? s.id : undefined),
    text: () => s.text,
  }));
  const matches = (name: XmlName) => name.localName === 'sample' && name.namespaceUri === NS;
  return {
    root,
    countRootChildren: (name) => (name === undefined || matches(name) ? elements.length : 0),
    rootChildren: (name) => (matches(name) ? elements : []),
  };
}

/** An engine that returns a prepared document and records what the decoder asked of it. */
function fakeEngine(document: XmlDocumentView, violations: XmlSchemaViolation[] = [], maxDocumentBytes = 1_000_000) {
  const calls: string[] = [];
  const engine: XmlEngine = {
    maxDocumentBytes,
    parse: () => {
      calls.push('parse');
      return document;
    },
    validate: () => {
      calls.push('validate');
      return violations;
    },
  };
  return { engine, calls };
}

const bytes = Buffer.from(`<batch xmlns="${NS}"/>`);
const expectation = { sampleLength: 3, maxSamples: 2 };

describe('XML batch decoder with a fake engine', () => {
  it('decodes the samples the engine exposes, with default ids', () => {
    const { engine, calls } = fakeEngine(fakeDocument([{ id: 'a', text: '1 2 3' }, { text: ' 4\n5\t6 ' }]));
    const batch = createXmlBatchDecoder({ engine, maxXmlBytes: 1000 }).decode(bytes, expectation);
    expect(batch).toMatchObject({ format: 'xml', ids: ['a', '1'], count: 2, sampleLength: 3 });
    expect(Array.from(batch.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(calls).toEqual(['parse', 'validate']);
  });

  it('runs the byte guard before the engine sees anything', () => {
    const { engine, calls } = fakeEngine(fakeDocument([]));
    const error = thrown(() =>
      createXmlBatchDecoder({ engine, maxXmlBytes: 1000 }).decode(Buffer.from('<!DOCTYPE x><x/>'), expectation),
    );
    expect(error.code).toBe(ErrorCode.XML_FORBIDDEN_DECLARATION);
    expect(calls).toEqual([]);
  });

  it('caps the size at the smaller of maxXmlBytes and the engine limit', () => {
    const { engine } = fakeEngine(fakeDocument([]), [], 10);
    const error = thrown(() => createXmlBatchDecoder({ engine, maxXmlBytes: 1000 }).decode(bytes, expectation));
    expect(error.details).toEqual({ limit: 10, actual: bytes.length });
  });

  it('answers EMPTY_BATCH and TOO_MANY_SAMPLES without validating', () => {
    const empty = fakeEngine(fakeDocument([]));
    expect(
      thrown(() => createXmlBatchDecoder({ engine: empty.engine, maxXmlBytes: 1000 }).decode(bytes, expectation)).code,
    ).toBe(ErrorCode.EMPTY_BATCH);
    const many = fakeEngine(fakeDocument([{ text: '' }, { text: '' }, { text: '' }]));
    const error = thrown(() =>
      createXmlBatchDecoder({ engine: many.engine, maxXmlBytes: 1000 }).decode(bytes, expectation),
    );
    expect(error).toMatchObject({ code: ErrorCode.TOO_MANY_SAMPLES, details: { limit: 2, actual: 3 } });
    expect([...empty.calls, ...many.calls]).toEqual(['parse', 'parse']);
  });

  it('leaves documents with another root to the schema', () => {
    const { engine, calls } = fakeEngine(fakeDocument([], { localName: 'other', namespaceUri: null }), [
      { line: 1, message: 'wrong root' },
    ]);
    const error = thrown(() => createXmlBatchDecoder({ engine, maxXmlBytes: 1000 }).decode(bytes, expectation));
    expect(error.code).toBe(ErrorCode.XML_SCHEMA_INVALID);
    expect(calls).toEqual(['parse', 'validate']);
  });

  it('turns violations into XML_SCHEMA_INVALID with the first five and the first line in the message', () => {
    const violations = Array.from({ length: 7 }, (_, i) => ({ line: i + 10, message: `problem ${i}` }));
    const { engine } = fakeEngine(fakeDocument([{ text: '1 2 3' }]), violations);
    const error = thrown(() => createXmlBatchDecoder({ engine, maxXmlBytes: 1000 }).decode(bytes, expectation));
    expect(error.code).toBe(ErrorCode.XML_SCHEMA_INVALID);
    expect(error.details).toEqual({ errors: violations.slice(0, 5) });
    expect(error.message).toBe('The XML batch does not match the batch.v1 schema (line 10): problem 0');
  });

  it('reports engine failures that are not GatewayErrors as XML_MALFORMED, never raw', () => {
    const crashing: XmlEngine = {
      maxDocumentBytes: 1000,
      parse: () => {
        throw new TypeError('native binding exploded at /work/main/node_modules/x.node');
      },
      validate: () => [],
    };
    const error = thrown(() =>
      createXmlBatchDecoder({ engine: crashing, maxXmlBytes: 1000 }).decode(bytes, expectation),
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe(ErrorCode.XML_MALFORMED);
    expect(error.message).not.toMatch(/exploded|work/);

    const { engine } = fakeEngine(fakeDocument([{ text: '1 2 3' }]));
    const failingValidate: XmlEngine = {
      ...engine,
      validate: () => {
        throw new Error('boom');
      },
    };
    expect(
      thrown(() => createXmlBatchDecoder({ engine: failingValidate, maxXmlBytes: 1000 }).decode(bytes, expectation))
        .code,
    ).toBe(ErrorCode.XML_MALFORMED);
  });

  it('does not trust the engine for ids or numbers', () => {
    const badId = fakeEngine(fakeDocument([{ id: '<script>', text: '1 2 3', line: 7 }]));
    const idError = thrown(() =>
      createXmlBatchDecoder({ engine: badId.engine, maxXmlBytes: 1000 }).decode(bytes, expectation),
    );
    expect(idError).toMatchObject({
      code: ErrorCode.XML_SCHEMA_INVALID,
      details: { errors: [{ line: 7, message: 'sample 0 has an invalid id' }] },
    });
    expect(idError.message).not.toContain('<script>');

    const hex = fakeEngine(fakeDocument([{ text: '1 0x10 3' }]));
    expect(
      thrown(() => createXmlBatchDecoder({ engine: hex.engine, maxXmlBytes: 1000 }).decode(bytes, expectation)).code,
    ).toBe(ErrorCode.XML_SCHEMA_INVALID);
  });
});
