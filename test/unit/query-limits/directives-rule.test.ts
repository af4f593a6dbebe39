import { parse, validate } from 'graphql';
import { directiveLimitRule } from '../../../src/graphql/query-limits';
import { directiveCount } from '../../../src/graphql/query-limits/directives-rule';
import { measureOperations } from '../../../src/graphql/query-limits/operation-measure';
import { directiveFlood, only, schema, validateWithLimits } from './limits-test-kit';

const directivesOf = (source: string): number | undefined =>
  measureOperations(parse(source), directiveCount)?.[0]?.value;

describe('directive limit rule (graphql.validate)', () => {
  it('accepts 10 directives and refuses 11, naming both counts', () => {
    expect(validateWithLimits(directiveFlood(10), only({ maxDirectives: 10 }))).toEqual([]);
    const errors = validateWithLimits(directiveFlood(11), only({ maxDirectives: 10 }));
    expect(errors.map((error) => [error.message, error.extensions])).toEqual([
      [
        'Query directive count 11 exceeds the limit of 10.',
        { code: 'QUERY_LIMIT_EXCEEDED', limit: 'directives', max: 10, actual: 11 },
      ],
    ]);
  });

  it('counts directives wherever they stand: operation, variable, field, inline fragment, spread, fragment definition', () => {
    // measured on the AST: `@tag` need not exist in the schema to be counted (KnownDirectivesRule reports it)
    const source =
      'query Q($a: Boolean = true @tag) @tag { models { name @include(if: $a) ... on Model @skip(if: false) { defaultVersion } ...M @include(if: true) } } ' +
      'fragment M on Model @tag { versions @include(if: true) { version } }';
    expect(directivesOf(source)).toBe(7);
  });

  it("counts a fragment's directives once per spread", () => {
    const source = `query { models { ${'...M '.repeat(4)}} } fragment M on Model { name @include(if: true) defaultVersion @skip(if: false) }`;
    expect(directivesOf(source)).toBe(8);
  });

  it('refuses a flood of 1000 @include(if: true), counting every one', () => {
    const errors = validate(schema, parse(directiveFlood(1000)), [directiveLimitRule(10)]);
    expect(errors.map((error) => error.extensions)).toEqual([
      { code: 'QUERY_LIMIT_EXCEEDED', limit: 'directives', max: 10, actual: 1000 },
    ]);
  });

  it("refuses 150 @include(if: true), which graphql's own rules accept", () => {
    expect(validateWithLimits(directiveFlood(150), only({}))).toEqual([]);
    expect(validateWithLimits(directiveFlood(150), only({ maxDirectives: 10 })).map((error) => error.message)).toEqual([
      'Query directive count 150 exceeds the limit of 10.',
    ]);
  });

  it("adds its report to graphql's for 1000 @include on one field, which graphql reports as repeated", () => {
    const errors = validateWithLimits(
      `{ models { name ${'@include(if: true) '.repeat(1000)}} }`,
      only({ maxDirectives: 10 }),
    );
    expect(
      errors.some((error) => error.message === 'The directive "@include" can only be used once at this location.'),
    ).toBe(true);
    expect(
      errors
        .filter((error) => error.extensions['code'] === 'QUERY_LIMIT_EXCEEDED')
        .map((error) => error.extensions['actual']),
    ).toEqual([1000]);
  });
});
