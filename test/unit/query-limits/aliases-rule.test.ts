import { parse, validate } from 'graphql';
import { aliasLimitRule } from '../../../src/graphql/query-limits';
import { aliasCount } from '../../../src/graphql/query-limits/aliases-rule';
import { measureOperations } from '../../../src/graphql/query-limits/operation-measure';
import { aliasedQuery, doublingFragments, FRAGMENT_CYCLES, only, schema, validateWithLimits } from './limits-test-kit';

const aliasesOf = (source: string): number | undefined => measureOperations(parse(source), aliasCount)?.[0]?.value;

describe('alias limit rule (graphql.validate)', () => {
  it('accepts 10 aliases and refuses 11, naming both counts', () => {
    expect(validateWithLimits(aliasedQuery(10), only({ maxAliases: 10 }))).toEqual([]);
    const errors = validateWithLimits(aliasedQuery(11), only({ maxAliases: 10 }));
    expect(errors.map((error) => [error.message, error.extensions])).toEqual([
      [
        'Query alias count 11 exceeds the limit of 10.',
        { code: 'QUERY_LIMIT_EXCEEDED', limit: 'aliases', max: 10, actual: 11 },
      ],
    ]);
  });

  it('counts a fragment once per spread: 3 aliases spread 3 times pass, 4 times are refused', () => {
    const fragment = 'fragment Three on Model { a: name b: name c: defaultVersion }';
    const spreads = (n: number) =>
      `query { ${Array.from({ length: n }, (_, i) => `m${i}: models { ...Three }`).join(' ')} } ${fragment}`;
    // each spread sits under an aliased `models`, so n spreads make 3n + n aliases
    expect(aliasesOf(spreads(2))).toBe(8);
    expect(validateWithLimits(spreads(2), only({ maxAliases: 8 }))).toEqual([]);
    const plain = (n: number) => `query { models { ${'...Three '.repeat(n)}} } ${fragment}`;
    expect(aliasesOf(plain(3))).toBe(9);
    expect(validateWithLimits(plain(3), only({ maxAliases: 10 }))).toEqual([]);
    expect(validateWithLimits(plain(4), only({ maxAliases: 10 })).map((error) => error.extensions['actual'])).toEqual([
      12,
    ]);
  });

  it('counts aliases in nested fragments, inline fragments and nested fields', () => {
    const source =
      'query { x: models { ... on Model { y: name versions { ...V } } } } ' +
      'fragment V on ModelVersion { z: version model { ...M } } fragment M on Model { w: name }';
    expect(aliasesOf(source)).toBe(4);
  });

  it('counts aliased predict mutations like any aliased field', () => {
    const source = `mutation { ${Array.from({ length: 11 }, (_, i) => `p${i}: predict(model: "m", file: 1) { model }`).join(' ')} }`;
    expect(validateWithLimits(source, only({ maxAliases: 10 })).map((error) => error.extensions['actual'])).toEqual([
      11,
    ]);
  });

  it('counts per operation, not per document', () => {
    const source = `query A ${aliasedQuery(6)}\nquery B ${aliasedQuery(6)}`;
    expect(validate(schema, parse(source), [aliasLimitRule(10)])).toEqual([]);
  });

  it('saturates at Number.MAX_SAFE_INTEGER when doubling spreads would count past it', () => {
    expect(aliasesOf(doublingFragments(60, 'a: name'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(aliasesOf(doublingFragments(10, 'a: name'))).toBe(1024);
  });

  it('says nothing about a document with a fragment cycle, which graphql refuses', () => {
    const [, source] = FRAGMENT_CYCLES[0] ?? ['', ''];
    expect(validate(schema, parse(source), [aliasLimitRule(0)])).toEqual([]);
  });
});
