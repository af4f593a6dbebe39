/**
 * The gateway with NODE_ENV=production, attacked over real HTTP: every abusive request is refused with a clear code,
 * no response carries a stack trace, and the gateway keeps serving.
 */
import { headersOf, postJson, upload, type GraphQLResponse } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { tokens, xmlBatch } from '../support/xml';

let gw: RunningGateway;
const valid = xmlBatch([tokens(5000)]);
const codeOf = (res: GraphQLResponse<unknown>) => res.body.errors?.[0]?.extensions?.code;

/** Nothing that looks like a stack frame, a server path or a stack trace field. */
function expectNoLeak(body: unknown): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/stacktrace|\bat [\w.<>]+ \(|\/work\/|node_modules|\.ts:\d+/);
}

async function expectStillServing(): Promise<void> {
  const res = await upload(gw.predictor, valid);
  expect(res.body.data?.predict.shape).toEqual([1, 2]);
}

beforeAll(async () => {
  gw = await startGateway({
    NODE_ENV: 'production',
    MAX_UPLOAD_BYTES: String(1024 * 1024),
    CORS_ORIGINS: 'https://app.example.com',
  });
});
afterAll(() => gw.stop());

describe('abusive GraphQL documents', () => {
  it.each([
    {
      name: 'too many aliases',
      query: `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: models { name }`).join(' ')} }`,
      code: 'QUERY_LIMIT_EXCEEDED',
    },
    {
      name: 'a directive flood',
      query: `{ models { ${'... @include(if: true) { name } '.repeat(50)} } }`,
      code: 'QUERY_LIMIT_EXCEEDED',
    },
    { name: 'a token flood', query: `{ models { ${'name '.repeat(1500)} } }`, code: 'QUERY_LIMIT_EXCEEDED' },
    {
      name: 'circular fragments',
      query: 'query { models { ...A } } fragment A on Model { name ...B } fragment B on Model { name ...A }',
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
    { name: 'introspection', query: '{ __schema { types { name } } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    {
      name: 'an oversized document',
      query: `{ models { name } } # ${'x'.repeat(20_000)}`,
      code: 'QUERY_LIMIT_EXCEEDED',
    },
  ])('refuses $name', async ({ query, code }) => {
    const res = await postJson(gw.viewer, query);
    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toContain(code);
    expect(res.body.errors?.map((e) => e.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(res.body.data ?? null).toBeNull();
    expectNoLeak(res.body);
    await expectStillServing();
  });

  it('refuses a query deeper than the limit', async () => {
    const deep = '{ models { versions { inputs { name } } } }';
    const fragments = `query { models { ...M } } fragment M on Model { versions { ...V } } fragment V on ModelVersion { inputs { ...T } } fragment T on TensorSpec { name }`;
    const gwDeep = await startGateway({ NODE_ENV: 'production', MAX_QUERY_DEPTH: '2' });
    try {
      for (const query of [deep, fragments]) {
        const res = await postJson(gwDeep.viewer, query);
        expect(res.status).toBe(400);
        expect(res.body.errors?.[0]?.extensions).toMatchObject({
          code: 'QUERY_LIMIT_EXCEEDED',
          limit: 'depth',
          max: 2,
        });
      }
    } finally {
      await gwDeep.stop();
    }
  });

  it('does not suggest field names', async () => {
    const res = await postJson(gw.viewer, '{ modle { name } }');
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expectNoLeak(res.body);
  });

  it('refuses batched (array) requests', async () => {
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { ...headersOf(gw.viewer), 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ models { name } }' }, { query: '{ models { name } }' }]),
    });
    expect(res.status).toBe(400);
    expectNoLeak(await res.text());
  });

  it('serves no landing page', async () => {
    const res = await fetch(gw.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/<html/i);
  });
});

describe('abusive uploads', () => {
  it('refuses a multipart request without the CSRF preflight header before reading it', async () => {
    const res = await upload(gw.predictor, valid, { preflight: false });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0]?.message).toMatch(/CSRF/);
  });

  it.each([
    { name: '__proto__ in the map path', map: { 0: ['__proto__.polluted'] } },
    { name: 'constructor.prototype in the map path', map: { 0: ['variables.constructor.prototype.polluted'] } },
    { name: '__proto__ as the last segment', map: { 0: ['variables.__proto__'] } },
  ])('refuses a prototype-polluting multipart map: $name', async ({ map }) => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!) { predict(model: "ecg-rhythm", file: $file) { shape } }',
        variables: { file: null },
      }),
    );
    form.append('map', JSON.stringify(map));
    form.append('0', new Blob([valid]), 'a.xml');
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      body: form,
      headers: { ...headersOf(gw.predictor), 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expectNoLeak(body);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await expectStillServing();
  });

  it('refuses an upload over MAX_UPLOAD_BYTES', async () => {
    const big = xmlBatch([tokens(5000)]).padEnd(2 * 1024 * 1024, ' ');
    const res = await upload(gw.predictor, big);
    expect(codeOf(res)).toBe('FILE_TOO_LARGE');
    expectNoLeak(res.body);
    await expectStillServing();
  });

  it('refuses an anonymous upload without reading it, and keeps serving', async () => {
    const res = await upload(gw.graphqlUrl, valid.padEnd(900 * 1024, ' '));
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    await expectStillServing();
  });
});

describe('HTTP hardening', () => {
  it('sends security headers', async () => {
    const res = await fetch(`${gw.baseUrl}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('answers CORS only for allowed origins', async () => {
    const preflight = (origin: string) =>
      fetch(gw.graphqlUrl, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    expect((await preflight('https://app.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://app.example.com',
    );
    expect((await preflight('https://evil.example.net')).headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('per-principal prediction budgets', () => {
  it('answers RATE_LIMITED with a retry hint once the budget is spent, counting every alias', async () => {
    const limited = await startGateway({ PREDICT_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const twice =
        'mutation($file: Upload!) { a: predict(model: "ecg-rhythm", file: $file) { shape } b: predict(model: "ecg-rhythm", file: $file) { shape } }';
      expect((await upload(limited.predictor, valid)).body.data?.predict.shape).toEqual([1, 2]);
      const res = await upload<Record<string, unknown>>(limited.predictor, valid, { query: twice });
      const codes = res.body.errors?.map((e) => e.extensions?.code);
      expect(codes).toContain('RATE_LIMITED');
      const limitedError = res.body.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
      expect(limitedError?.extensions?.['retryAfterSeconds']).toBeGreaterThan(0);
      // Another principal has its own budget.
      expect((await upload(limited.admin, valid)).body.data?.predict.shape).toEqual([1, 2]);
    } finally {
      await limited.stop();
    }
  });
});
