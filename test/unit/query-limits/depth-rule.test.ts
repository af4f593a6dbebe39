import { getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { ErrorCode } from '../../../src/errors/error-code';
import { GatewayError } from '../../../src/errors/gateway-error';
import { depthLimitRule } from '../../../src/graphql/query-limits';
import { operationDepth } from '../../../src/graphql/query-limits/depth-rule';
import { measureOperations } from '../../../src/graphql/query-limits/operation-measure';
import { doublingFragments, FRAGMENT_CYCLES, nestedQuery, only, schema, validateWithLimits } from './limits-test-kit';

const depthOf = (source: string): number | undefined => measureOperations(parse(source), operationDepth)?.[0]?.value;

/** The depth graphql-depth-limit computes (its callback) for a one-operation document it can handle. */
function libraryDepth(source: string): number | undefined {
  let depths: Record<string, number> = {};
  validate(schema, parse(source), [depthLimit(1000, {}, (found: Record<string, number>) => (depths = found))]);
  return Object.values(depths)[0];
}

describe('depth limit rule (graphql.validate)', () => {
  it('accepts an operation at the limit and refuses one a level deeper, naming both depths', () => {
    expect(validateWithLimits(nestedQuery(8), only({ maxDepth: 8 }))).toEqual([]);
    const errors = validateWithLimits(nestedQuery(9), only({ maxDepth: 8 }));
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error?.message).toBe('Query depth 9 exceeds the limit of 8.');
    expect(error?.extensions).toEqual({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', max: 8, actual: 9 });
    expect(error?.locations).toEqual([{ line: 1, column: 1 }]);
  });

  it('carries a GatewayError with the same code and details in originalError', () => {
    const [error] = validateWithLimits(nestedQuery(3), only({ maxDepth: 2 }));
    expect(error?.originalError).toBeInstanceOf(GatewayError);
    const carried = error?.originalError as GatewayError;
    expect(carried.code).toBe(ErrorCode.QUERY_LIMIT_EXCEEDED);
    expect(carried.message).toBe('Query depth 3 exceeds the limit of 2.');
    expect(carried.details).toEqual({ limit: 'depth', max: 2, actual: 3 });
  });

  it('counts depth exactly as graphql-depth-limit does, on documents that library handles', () => {
    const documents = [
      '{ models { name } }',
      '{ model(name: "x") { versions { inputs { name shape } } } }',
      '{ models { ... on Model { versions { version } } } }',
      'query Q { models { ...M } } fragment M on Model { versions { model { name } } }',
      '{ models { __typename versions { __typename } } }',
      '{ __schema { types { fields { name } } } models { name } }',
      nestedQuery(7),
    ];
    for (const source of documents)
      expect({ source, depth: depthOf(source) }).toEqual({ source, depth: libraryDepth(source) });
  });

  it('adds no depth for fragments and inline fragments, and follows them to their fields', () => {
    expect(depthOf('{ models { ... on Model { name } } }')).toBe(1);
    expect(
      depthOf(
        '{ models { ...M } } fragment M on Model { versions { ...V } } fragment V on ModelVersion { model { name } }',
      ),
    ).toBe(3);
  });

  it('measures depth through nested fragments: 8 levels pass, 9 are refused', () => {
    const chain = (levels: number): string => {
      const fragments = Array.from({ length: levels - 1 }, (_, i) =>
        i % 2 === 0
          ? `fragment F${i} on Model { versions { ...F${i + 1} } }`
          : `fragment F${i} on ModelVersion { model { ...F${i + 1} } }`,
      );
      const last = levels - 1;
      const leaf =
        last % 2 === 0 ? `fragment F${last} on Model { name }` : `fragment F${last} on ModelVersion { version }`;
      return `query { models { ...F0 } } ${fragments.join(' ')} ${leaf}`;
    };
    expect(validateWithLimits(chain(8), only({ maxDepth: 8 }))).toEqual([]);
    expect(validateWithLimits(chain(9), only({ maxDepth: 8 })).map((e) => e.message)).toEqual([
      'Query depth 9 exceeds the limit of 8.',
    ]);
  });

  it('does not count introspection fields or what they select, so the standard introspection query has depth 0', () => {
    expect(depthOf('{ __schema { types { fields { type { ofType { name } } } } } }')).toBe(0);
    expect(depthOf('{ models { __typename } }')).toBe(1);
    expect(depthOf(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).toBe(0);
    expect(validateWithLimits(getIntrospectionQuery(), only({ maxDepth: 1 }))).toEqual([]);
  });

  it.each(FRAGMENT_CYCLES)(
    'leaves a fragment cycle (%s) to NoFragmentCyclesRule, without crashing',
    (_name, source) => {
      const errors = validateWithLimits(source, only({ maxDepth: 2 }));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((error) => error.message.startsWith('Cannot spread fragment'))).toBe(true);
      expect(measureOperations(parse(source), operationDepth)).toBeUndefined();
    },
  );

  it('ignores a spread of an unknown fragment, which KnownFragmentNamesRule reports', () => {
    const errors = validateWithLimits('{ models { name ...Nope } }', only({ maxDepth: 1 }));
    expect(errors.map((error) => error.message)).toEqual(['Unknown fragment "Nope".']);
  });

  it('follows a chain of 5,000 fragments without recursing through it', () => {
    const fragments = Array.from({ length: 5000 }, (_, i) => `fragment F${i} on Model { ...F${i + 1} }`).join(' ');
    const source = `query { models { ...F0 } } ${fragments} fragment F5000 on Model { versions { version } }`;
    expect(depthOf(source)).toBe(2);
    const errors = validate(schema, parse(source), [depthLimitRule(1)]);
    expect(errors.map((error) => error.message)).toEqual(['Query depth 2 exceeds the limit of 1.']);
  });

  it('measures each fragment once, however often it is spread (40 doubling levels: 2^40 selections once expanded)', () => {
    const document = parse(doublingFragments(40, 'versions { version }'));
    const measured: string[] = [];
    const result = measureOperations(document, (definition, fragment) => {
      measured.push(definition.name?.value ?? '(operation)');
      return operationDepth(definition, fragment);
    });
    expect(result?.map(({ value }) => value)).toEqual([2]);
    expect(measured).toHaveLength(42); // 41 fragments and the operation, each once
    expect(new Set(measured).size).toBe(42);
    expect(validate(schema, document, [depthLimitRule(1)])).toHaveLength(1);
  });

  it('reports each operation over the limit, located at that operation', () => {
    const source = `query Shallow { models { name } }\nquery Deep ${nestedQuery(4)}`;
    const errors = validate(schema, parse(source), [depthLimitRule(3)]);
    expect(errors.map((error) => [error.message, error.locations])).toEqual([
      ['Query depth 4 exceeds the limit of 3.', [{ line: 2, column: 1 }]],
    ]);
  });

  it('for contrast: graphql-depth-limit overflows the stack on a fragment cycle, which is why it is not used', () => {
    const silence = jest.spyOn(console, 'error').mockImplementation(() => undefined); // it logs before rethrowing
    try {
      const [, source] = FRAGMENT_CYCLES[0] ?? ['', ''];
      expect(() => validate(schema, parse(source), [...specifiedRules, depthLimit(8)])).toThrow(RangeError);
      expect(() => validate(schema, parse('{ models { ...Nope } }'), [depthLimit(8)])).toThrow(TypeError);
    } finally {
      silence.mockRestore();
    }
  });
});
