import { parse } from 'graphql';
import { countTokens, limitParseOptions, sourceLimitExceeded } from '../../../src/graphql/query-limits';
import { DEFAULT_LIMITS, getIntrospectionQueryText, only } from './limits-test-kit';

/** The parser's own verdict: does `source` parse with at most `max` tokens? */
const parsesWithin = (source: string, max: number): boolean => {
  try {
    parse(source, { maxLexicalTokens: max });
    return true;
  } catch {
    return false;
  }
};

describe('document size and token count, before parsing', () => {
  it('counts tokens exactly as the graphql-js parser does for maxLexicalTokens', () => {
    const documents = [
      '{ models { name } }',
      'query Q($n: String! = "x") { model(name: $n) { versions { inputs { shape } } } }',
      'mutation { p: predict(model: "m", file: 1, version: 2) @include(if: true) { samples { probabilities } } }',
      '{ models { ...M } } fragment M on Model { name ... on Model { defaultVersion } }',
      '{ model(name: """block\nstring""") { name } }',
      getIntrospectionQueryText(),
    ];
    for (const source of documents) {
      const tokens = countTokens(source);
      expect({ source, atCount: parsesWithin(source, tokens), belowCount: parsesWithin(source, tokens - 1) }).toEqual({
        source,
        atCount: true,
        belowCount: false,
      });
    }
  });

  it('does not count comments, commas, whitespace or a byte-order mark', () => {
    expect(countTokens('{ models { name } }')).toBe(6);
    expect(countTokens('\uFEFF# a comment\n{ models ,,, { name, } }  # another\n')).toBe(6);
  });

  it('stops counting at a lexical error, leaving the syntax error to the parser', () => {
    expect(countTokens('{ models { name "unterminated } }')).toBe(4);
  });

  it('measures size in UTF-8 bytes, not characters', () => {
    const source = `{ model(name: "${'é'.repeat(40)}") { name } }`; // 68 characters, 108 bytes
    expect(source.length).toBe(68);
    expect(sourceLimitExceeded(source, { maxDocumentBytes: 108, maxTokens: 100 })).toBe(undefined);
    expect(sourceLimitExceeded(source, { maxDocumentBytes: 107, maxTokens: 100 })).toEqual({
      limit: 'documentSize',
      max: 107,
      actual: 108,
    });
  });

  it('passes a document exactly at both limits and refuses one byte or one token more', () => {
    const source = `{ models { ${'name '.repeat(995)}} }`; // 1000 tokens
    const limits = { maxDocumentBytes: Buffer.byteLength(source), maxTokens: 1000 };
    expect(countTokens(source)).toBe(1000);
    expect(sourceLimitExceeded(source, limits)).toBeUndefined();
    expect(sourceLimitExceeded(`${source} `, limits)).toEqual({
      limit: 'documentSize',
      max: limits.maxDocumentBytes,
      actual: limits.maxDocumentBytes + 1,
    });
    expect(sourceLimitExceeded(source, { ...limits, maxTokens: 999 })).toEqual({
      limit: 'tokens',
      max: 999,
      actual: 1000,
    });
  });

  it('refuses a 1 MB document on its size', () => {
    const source = `{ models { ${'name '.repeat(200_000)}} }`.slice(0, 1_000_000);
    expect(sourceLimitExceeded(source, DEFAULT_LIMITS)).toEqual({
      limit: 'documentSize',
      max: 10_000,
      actual: 1_000_000,
    });
  });

  it('reports a 50,000-token document by its size under the defaults, by its exact token count when the size allows', () => {
    const source = `{ models { ${'name '.repeat(49_995)}} }`;
    expect(countTokens(source)).toBe(50_000);
    expect(sourceLimitExceeded(source, DEFAULT_LIMITS)).toMatchObject({ limit: 'documentSize' });
    expect(sourceLimitExceeded(source, only({ maxTokens: 1000 }))).toEqual({
      limit: 'tokens',
      max: 1000,
      actual: 50_000,
    });
  });

  it('limitParseOptions: the parser refuses more than maxTokens tokens, and more than maxDocumentBytes code units before lexing', () => {
    const options = limitParseOptions(DEFAULT_LIMITS);
    expect(options).toEqual({ maxLexicalTokens: 1000, maxSourceLength: 10_000 });
    expect(() => parse(`{ models { ${'name '.repeat(995)}} }`, options)).not.toThrow();
    expect(() => parse(`{ models { ${'name '.repeat(996)}} }`, options)).toThrow(
      'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
    );
    expect(() => parse(`{ models { name } }#${'x'.repeat(10_000)}`, options)).toThrow(
      'Syntax Error: Source contains more than 10000 UTF-16 code units. Parsing aborted.',
    );
  });
});
