/**
 * The limits inside a real ApolloServer (`executeOperation`: Apollo's whole request pipeline, in process, no HTTP),
 * wired as the gateway wires them, with the production formatError (see limits-test-kit.ts).
 */
import { ApolloServer } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { countTokens, queryLimitsPlugin, type CostModel } from '../../../src/graphql/query-limits';
import {
  aliasedQuery,
  DEFAULT_LIMITS,
  directiveFlood,
  doublingFragments,
  formatError,
  FRAGMENT_CYCLES,
  getIntrospectionQueryText,
  leaksInternals,
  limitedServer,
  limitError,
  nestedQuery,
  only,
  rootValue,
  run,
  schema,
  type Outcome,
} from './limits-test-kit';

/**
 * A valid document of exactly `total` tokens (≥ 16), cheap and without aliases or directives: one `predict` whose
 * `file` literal is a list of `1`s. (Repeating a field instead would make graphql's OverlappingFieldsCanBeMergedRule
 * give up near a thousand repeats, with "Validation aborted.".)
 */
const withTokens = (total: number) => `mutation { predict(model: "m", file: [${' 1'.repeat(total - 16)} ]) { model } }`;

const predictions = (n: number, selection = 'model') =>
  `mutation { ${Array.from({ length: n }, (_, i) => `p${i}: predict(model: "ecg-rhythm", file: 1) { ${selection} }`).join(' ')} }`;

/** A refusal as clients see it: HTTP 400, no data, exactly one error, nothing internal in the body. */
function expectRefused(outcome: Outcome, error: unknown): void {
  expect(outcome.status).toBe(400);
  expect(outcome.data).toBeUndefined();
  expect(outcome.errors).toEqual([error]);
  expect(leaksInternals(outcome.json)).toBe(false);
}

function expectServed(outcome: Outcome): void {
  expect(outcome.errors).toEqual([]);
  expect(outcome.status).toBe(200);
  expect(outcome.data).toBeTruthy();
}

describe('query limits in ApolloServer (executeOperation)', () => {
  const defaults = limitedServer();
  afterAll(() => defaults.stop());

  describe('each limit, at its bound and one past it', () => {
    it('depth: 8 is served; 9 is refused with 400 and the numbers', async () => {
      const server = limitedServer(only({ maxDepth: 8 }));
      expectServed(await run(server, nestedQuery(8)));
      expectRefused(await run(server, nestedQuery(9)), {
        message: 'Query depth 9 exceeds the limit of 8.',
        locations: [{ line: 1, column: 1 }],
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'depth', max: 8, actual: 9 },
      });
    });

    it('cost: 9 predictions are served; 10 are refused with 400 and the numbers', async () => {
      expectServed(await run(defaults, predictions(9)));
      expectRefused(await run(defaults, predictions(10)), {
        message: 'Query cost 1010 exceeds the limit of 1000.',
        locations: [{ line: 1, column: 1 }],
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', max: 1000, actual: 1010 },
      });
    });

    it('aliases: 10 are served; 11 are refused with 400 and the numbers', async () => {
      expectServed(await run(defaults, aliasedQuery(10)));
      expectRefused(await run(defaults, aliasedQuery(11)), limitError('aliases', 10, 11));
    });

    it('directives: 10 are served; 11 are refused with 400 and the numbers', async () => {
      expectServed(await run(defaults, directiveFlood(10)));
      expectRefused(await run(defaults, directiveFlood(11)), limitError('directives', 10, 11));
    });

    it('tokens: 1000 are served; 1001 are refused by the parser, as GRAPHQL_PARSE_FAILED with 400', async () => {
      expect(countTokens(withTokens(1000))).toBe(1000);
      expectServed(await run(defaults, withTokens(1000)));
      expectRefused(await run(defaults, withTokens(1001)), {
        message: 'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
        locations: [{ line: 1, column: withTokens(1001).length }], // the 1001st token is the closing brace
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    });

    it('document size: 10000 characters are served; 10001 are refused before lexing, as GRAPHQL_PARSE_FAILED with 400', async () => {
      const padded = (length: number) => `{ models { name } }#`.padEnd(length, 'x');
      expectServed(await run(defaults, padded(10_000)));
      expectRefused(await run(defaults, padded(10_001)), {
        message: 'Syntax Error: Source contains more than 10000 UTF-16 code units. Parsing aborted.',
        locations: [{ line: 1, column: 10001 }],
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    });
  });

  describe('hostile documents', () => {
    afterEach(async () => {
      // whatever came before, the same server still answers a normal query
      expectServed(await run(defaults, '{ models { name versions { version } } }'));
    });

    it.each(FRAGMENT_CYCLES)(
      'circular fragments, %s: a 400 validation error, and the server keeps serving',
      async (_name, source) => {
        const outcome = await run(defaults, source);
        expect(outcome.status).toBe(400);
        expect(outcome.errors.length).toBeGreaterThan(0);
        for (const error of outcome.errors) {
          expect(error.message).toMatch(/^Cannot spread fragment "\w+" within itself/);
          expect(error.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
        }
        expect(leaksInternals(outcome.json)).toBe(false);
      },
    );

    it('for contrast: graphql-depth-limit in the same place turns a fragment cycle into an internal error', async () => {
      const silence = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const naive = new ApolloServer({
        schema,
        rootValue,
        formatError,
        logger: silentLogger,
        validationRules: [depthLimit(8)],
      });
      try {
        const [, source] = FRAGMENT_CYCLES[0] ?? ['', ''];
        await expect(naive.executeOperation({ query: source })).rejects.toThrow('Internal server error');
      } finally {
        silence.mockRestore();
        await naive.stop();
      }
    });

    it('deeply nested fragments count toward depth', async () => {
      const source =
        'query { models { ...A } } fragment A on Model { versions { ...B } } fragment B on ModelVersion { model { ...C } } ' +
        'fragment C on Model { versions { ...D } } fragment D on ModelVersion { model { name } }';
      expectRefused(await run(limitedServer(only({ maxDepth: 4 })), source), limitError('depth', 4, 5));
    });

    it('aliases through fragments count once per spread', async () => {
      const source =
        'query { models { ...F ...F ...F ...F } } fragment F on Model { a: name b: name c: defaultVersion }';
      expectRefused(await run(defaults, source), limitError('aliases', 10, 12));
    });

    it('cost follows the variables: the same document is served or refused by @include(if: $dear)', async () => {
      const source = `mutation ($dear: Boolean!) { cheap: predict(model: "m", file: 1) { model }
        ${Array.from({ length: 9 }, (_, i) => `p${i}: predict(model: "m", file: 1) @include(if: $dear) { model }`).join(' ')} }`;
      expectServed(await run(defaults, source, { dear: false }));
      expectRefused(await run(defaults, source, { dear: true }), limitError('cost', 1000, 1010));
    });

    it('bad variables are left to execution: BAD_USER_INPUT, not a cost error', async () => {
      const outcome = await run(defaults, 'query ($n: String!) { model(name: $n) { name } }', { n: 3 });
      expect(outcome.status).toBe(400);
      expect(outcome.errors.map((error) => error.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
    });

    it('an exponential fragment expansion is refused as too costly to measure, with actual null', async () => {
      expectRefused(await run(defaults, doublingFragments(40)), {
        message: 'Query cost exceeds the limit of 1000 (it expands to more than 2000 selections).',
        locations: [{ line: 1, column: 1 }],
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', max: 1000, actual: null },
      });
    });

    it('a directive flood of 1000 @include: refused by size under the defaults, by the directive limit when size and tokens allow', async () => {
      const flood = directiveFlood(1000);
      const underDefaults = await run(defaults, flood);
      expect(underDefaults.status).toBe(400);
      expect(underDefaults.errors.map((error) => error.message)).toEqual([
        'Syntax Error: Source contains more than 10000 UTF-16 code units. Parsing aborted.',
      ]);
      const relaxed = await run(limitedServer(only({ maxDirectives: 10 })), flood);
      expect(relaxed.status).toBe(400);
      expect(relaxed.errors[0]).toEqual(limitError('directives', 10, 1000));
    });

    it('a 50,000-token document is refused: by size under the defaults, by the token limit when only that applies', async () => {
      const source = `{ models { ${'name '.repeat(49_995)}} }`;
      expect((await run(defaults, source)).errors.map((error) => error.message)).toEqual([
        'Syntax Error: Source contains more than 10000 UTF-16 code units. Parsing aborted.',
      ]);
      const tokensOnly = await run(limitedServer(only({ maxTokens: 1000 })), source);
      expect(tokensOnly.status).toBe(400);
      expect(tokensOnly.errors.map((error) => error.message)).toEqual([
        'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
      ]);
    });

    it('a 1 MB document is refused before lexing', async () => {
      const outcome = await run(defaults, `{ models { name } }#${'x'.repeat(1_000_000)}`);
      expect(outcome.status).toBe(400);
      expect(outcome.errors).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
    });
  });

  describe('introspection (development settings)', () => {
    it('the standard introspection query is served under the default limits', async () => {
      const outcome = await run(defaults, getIntrospectionQueryText());
      expectServed(outcome);
      expect(outcome.data?.['__schema']).toBeTruthy();
    });

    it("nested introspection is still refused, by graphql's MaxIntrospectionDepthRule", async () => {
      const outcome = await run(
        defaults,
        '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
      );
      expect(outcome.status).toBe(400);
      expect(outcome.errors).toEqual([
        {
          message: 'Maximum introspection depth exceeded',
          locations: expect.any(Array),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      ]);
    });
  });

  describe('start-up', () => {
    it('refuses to start with a cost model naming a field the schema lacks', async () => {
      const model: CostModel = {
        defaultFieldCost: 1,
        defaultListSize: 10,
        maxNodes: 100,
        fields: { 'Mutation.predcit': { cost: 100 } },
      };
      const server = new ApolloServer({
        schema,
        logger: silentLogger,
        plugins: [queryLimitsPlugin(DEFAULT_LIMITS, model)],
      });
      await expect(server.start()).rejects.toThrow(
        'Invalid query cost model:\n  - Mutation.predcit: no such field in the schema',
      );
    });
  });
});

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
