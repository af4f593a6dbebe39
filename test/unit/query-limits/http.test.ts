/**
 * The HTTP seam: `queryLimitsMiddleware` mounted as the gateway mounts it (after `express.json`, before Apollo's
 * `expressMiddleware`), on a loopback port, with real requests through `fetch`.
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createQueryLimits } from '../../../src/graphql/query-limits';
import { aliasedQuery, DEFAULT_LIMITS, formatError, rootValue, schema } from './limits-test-kit';

/** Documents that reached Apollo (its `didResolveSource`), to tell a middleware refusal from an Apollo one. */
const reachedApollo: string[] = [];
const wiring = createQueryLimits(DEFAULT_LIMITS);
const apollo = new ApolloServer({
  schema,
  rootValue,
  formatError,
  includeStacktraceInErrorResponses: false,
  validationRules: wiring.validationRules,
  parseOptions: wiring.parseOptions,
  plugins: [
    wiring.plugin,
    { requestDidStart: async () => ({ didResolveSource: async ({ source }) => void reachedApollo.push(source) }) },
  ],
});
const server = http.createServer();
let url = '';

beforeAll(async () => {
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '1mb' }), wiring.httpMiddleware, expressMiddleware(apollo));
  server.on('request', app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

afterAll(async () => {
  await apollo.stop();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => void (reachedApollo.length = 0));

async function post(body: unknown): Promise<{ status: number; body: { data?: unknown; errors?: unknown[] } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

/** A valid, cheap document of exactly `total` tokens (see apollo.test.ts). */
const withTokens = (total: number) => `mutation { predict(model: "m", file: [${' 1'.repeat(total - 16)} ]) { model } }`;

describe('queryLimitsMiddleware over HTTP', () => {
  it('refuses a 1 MB document before Apollo sees it: 400, documentSize, the exact byte count', async () => {
    const query = `{ models { name } }#`.padEnd(1_000_000, 'x');
    const { status, body } = await post({ query });
    expect(status).toBe(400);
    expect(body).toEqual({
      errors: [
        {
          message: 'Query document size 1000000 bytes exceeds the limit of 10000 bytes.',
          extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'documentSize', max: 10_000, actual: 1_000_000 },
        },
      ],
    });
    expect(reachedApollo).toEqual([]);
  });

  it('refuses a document over the token limit before Apollo sees it: 400, tokens, the exact count', async () => {
    const { status, body } = await post({ query: withTokens(1500) });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message: 'Query token count 1500 exceeds the limit of 1000.',
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'tokens', max: 1000, actual: 1500 },
      },
    ]);
    expect(reachedApollo).toEqual([]);
  });

  it('lets a document of exactly 1000 tokens and 10000 bytes through to Apollo, which serves it', async () => {
    const query = `${withTokens(1000)}#`.padEnd(10_000, 'x');
    const { status, body } = await post({ query });
    expect({ status, body }).toEqual({ status: 200, body: { data: { predict: { model: 'm' } } } });
    expect(reachedApollo).toEqual([query]);
  });

  it('checks the query string of a GET request too', async () => {
    const get = (query: string) =>
      fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    const refused = await get(`{ models { name } }#`.padEnd(10_001, 'x'));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      errors: [{ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'documentSize', actual: 10_001 } }],
    });
    const served = await get('{ models { name } }');
    expect(served.status).toBe(200);
  });

  it('checks every entry of a batch', async () => {
    const { status, body } = await post([{ query: '{ models { name } }' }, { query: withTokens(1001) }]);
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ limit: 'tokens', actual: 1001 }) }),
    ]);
  });

  it('leaves a body without a query string to Apollo', async () => {
    const { status, body } = await post({ variables: {} });
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
  });

  it('validation-rule and cost limits reach HTTP clients as 400 with their details', async () => {
    const aliases = await post({ query: aliasedQuery(11) });
    expect(aliases.status).toBe(400);
    expect(aliases.body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'aliases', max: 10, actual: 11 } }),
    ]);
    const predictions = Array.from({ length: 10 }, (_, i) => `p${i}: predict(model: "m", file: 1) { model }`).join(' ');
    const cost = await post({ query: `mutation { ${predictions} }` });
    expect(cost.status).toBe(400);
    expect(cost.body.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: 'cost', max: 1000, actual: 1010 } }),
    ]);
  });
});
