import { headersOf, upload, type GraphQLResponse, type PredictionJson } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { npyBytes } from '../support/npy';
import { NS, tokens, xmlBatch } from '../support/xml';
import { elementCount } from '../../src/tensor/tensor';

const L = 5000;
const valid = xmlBatch([tokens(L)]);

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway({ MAX_UPLOAD_BYTES: String(4 * 1024 * 1024), MAX_SAMPLES_PER_REQUEST: '3' });
});
afterAll(() => gw.stop());

function codeOf(res: GraphQLResponse<unknown>): string | undefined {
  return res.body.errors?.[0]?.extensions?.code;
}

/** After every bad input the gateway must still be alive and still predict. */
async function expectStillServing(): Promise<void> {
  const res = await upload<{ predict: PredictionJson }>(gw.predictor, valid);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.predict.shape).toEqual([1, 2]);
}

const f8 = (shape: number[]) => npyBytes({ descr: '<f8', shape, data: new Float64Array(elementCount(shape)) });

interface BadInput {
  readonly name: string;
  readonly body: string | Uint8Array;
  readonly code: string;
  readonly details?: Record<string, unknown>;
}

const cases: BadInput[] = [
  { name: 'malformed XML', body: `<batch xmlns="${NS}"><sample>1 2`, code: 'XML_MALFORMED' },
  {
    name: 'binary junk',
    body: Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251),
    code: 'UNSUPPORTED_FILE_TYPE',
  },
  { name: 'plain text', body: 'hello, world', code: 'UNSUPPORTED_FILE_TYPE' },
  { name: 'a non-number token', body: xmlBatch([`${tokens(10)} abc`]), code: 'XML_SCHEMA_INVALID' },
  {
    name: 'an unknown element',
    body: `<batch xmlns="${NS}"><sample>1</sample><extra/></batch>`,
    code: 'XML_SCHEMA_INVALID',
  },
  {
    name: 'the wrong namespace',
    body: '<batch xmlns="urn:other"><sample>1</sample></batch>',
    code: 'XML_SCHEMA_INVALID',
  },
  {
    name: 'a short sample',
    body: xmlBatch([tokens(L), tokens(L - 1)]),
    code: 'WRONG_SAMPLE_LENGTH',
    details: { sampleIndex: 1, expected: L, actual: L - 1 },
  },
  {
    name: 'a long sample',
    body: xmlBatch([tokens(L + 1)], { ids: ['long-one'] }),
    code: 'WRONG_SAMPLE_LENGTH',
    details: { sampleId: 'long-one' },
  },
  {
    name: 'NaN',
    body: xmlBatch([tokens(L, (i) => (i === 17 ? 'NaN' : '0.5'))]),
    code: 'NON_FINITE_VALUE',
    details: { sampleIndex: 0, valueIndex: 17 },
  },
  {
    name: '-INF',
    body: xmlBatch([tokens(L), tokens(L, (i) => (i === 4 ? '-INF' : '1'))]),
    code: 'NON_FINITE_VALUE',
    details: { sampleIndex: 1, valueIndex: 4 },
  },
  { name: 'an empty batch', body: `<?xml version="1.0"?><batch xmlns="${NS}"/>`, code: 'EMPTY_BATCH' },
  { name: 'an empty file', body: new Uint8Array(0), code: 'EMPTY_BATCH' },
  {
    name: 'too many samples',
    body: xmlBatch([tokens(L), tokens(L), tokens(L), tokens(L)]),
    code: 'TOO_MANY_SAMPLES',
    details: { limit: 3, actual: 4 },
  },
  { name: 'a truncated .npy', body: f8([1, L]).subarray(0, 1000), code: 'NPY_MALFORMED' },
  {
    name: 'an int64 .npy',
    body: npyBytes({ descr: '<i8', shape: [1, L], data: new BigInt64Array(L) }),
    code: 'NPY_UNSUPPORTED',
  },
  { name: 'an .npy of the wrong length', body: f8([2, 4000]), code: 'WRONG_SAMPLE_LENGTH' },
  { name: 'an empty .npy', body: f8([0, L, 1]), code: 'EMPTY_BATCH' },
];

describe('every bad input gets its own code and the gateway keeps serving', () => {
  it.each(cases)('$name', async ({ body, code, details }) => {
    const res = await upload(gw.predictor, body);
    expect(res.body.data ?? null).toBeNull();
    expect(codeOf(res)).toBe(code);
    if (details) expect(res.body.errors?.[0]?.extensions).toMatchObject(details);
    expect(JSON.stringify(res.body)).not.toMatch(/\/work\/|node_modules|at .*\.ts:\d+/);
    await expectStillServing();
  });

  it('reports schema errors with line numbers and the first messages', async () => {
    const xml = `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n<sample>1 2</sample>\n<sample>1 x</sample>\n</batch>`;
    const res = await upload(gw.predictor, xml);
    expect(codeOf(res)).toBe('XML_SCHEMA_INVALID');
    const errors = res.body.errors?.[0]?.extensions?.['errors'] as { line: number; message: string }[];
    expect(errors[0]?.line).toBe(4);
    expect(errors[0]?.message).toMatch(/sample/);
    expect(res.body.errors?.[0]?.message).toMatch(/line 4/);
  });

  it('answers an unknown model and an unknown version with their own codes', async () => {
    expect(codeOf(await upload(gw.predictor, valid, { variables: { model: 'nope' } }))).toBe('MODEL_NOT_FOUND');
    expect(codeOf(await upload(gw.predictor, valid, { variables: { version: 42 } }))).toBe('MODEL_VERSION_NOT_FOUND');
    await expectStillServing();
  });

  it('refuses a file over MAX_UPLOAD_BYTES while streaming', async () => {
    const big = xmlBatch([tokens(L), tokens(L)]).padEnd(5 * 1024 * 1024, ' ');
    const res = await upload(gw.predictor, big);
    expect(codeOf(res)).toBe('FILE_TOO_LARGE');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ limit: 4 * 1024 * 1024 });
    await expectStillServing();
  });

  it('refuses a second file in one request', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: Upload!){ predict(model:"ecg-rhythm", file:$f){ shape } }',
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'], 1: ['variables.f'] }));
    form.append('0', new Blob([valid]), 'a.xml');
    form.append('1', new Blob([valid]), 'b.xml');
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      body: form,
      headers: { ...headersOf(gw.predictor), 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_FILES' } }] });
    await expectStillServing();
  });

  it('refuses a multipart request without a CSRF preflight header', async () => {
    const res = await upload(gw.predictor, valid, { preflight: false });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_REQUEST');
    await expectStillServing();
  });

  it('refuses malformed JSON in the multipart operations field', async () => {
    const form = new FormData();
    form.append('operations', '{"query": "{ models { name } }"');
    form.append('map', '{}');
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      body: form,
      headers: { ...headersOf(gw.predictor), 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    await expectStillServing();
  });

  it('answers a bad GraphQL document with a request error, not an internal one', async () => {
    const res = await upload(gw.predictor, valid, {
      query: 'mutation($file: Upload!) { predict(file: $file) { nope } }',
    });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('operations the gateway cannot choose', () => {
  it.each([
    ['no operationName for a document of two operations', undefined],
    ['an unknown operationName', 'Nope'],
  ])('answers %s with OPERATION_RESOLUTION_FAILURE, HTTP 400', async (_case, operationName) => {
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { ...headersOf(gw.viewer), 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { me { role } } query B { me { kind } }', operationName }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as GraphQLResponse<unknown>['body'];
    expect(codeOf({ status: res.status, body })).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(body.errors?.[0]?.message).toMatch(/operation/);
  });
});

describe('broken multipart requests', () => {
  it('answers a map that names a file part the request never sends with UPLOAD_FAILED', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: Upload!){ predict(model:"ecg-rhythm", file:$f){ shape } }',
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      body: form,
      headers: { ...headersOf(gw.predictor), 'apollo-require-preflight': 'true' },
    });
    expect(await res.json()).toMatchObject({ data: null, errors: [{ extensions: { code: 'UPLOAD_FAILED' } }] });
    await expectStillServing();
  });
});

describe('a file sent where the operation expects something else', () => {
  it.each([
    [
      'a String',
      'query($m: String!) { model(name: $m) { name } }',
      'Variable "$m" got invalid value; String cannot represent a non string value.',
    ],
    [
      'an Int',
      'query($v: Int) { modelMonitoring(name: "ecg-rhythm", version: $v) { __typename } }',
      'Variable "$v" got invalid value; Int cannot represent non-integer value.',
    ],
  ])(
    'answers a file mapped into %s variable with BAD_USER_INPUT, never echoing the upload (filename, MIME type)',
    async (_kind, query, message) => {
      const variable = /\$(\w+)/.exec(query)?.[1] ?? 'm';
      const form = new FormData();
      form.append('operations', JSON.stringify({ query, variables: { m: null, v: null } }));
      form.append('map', JSON.stringify({ 0: [`variables.${variable}`] }));
      form.append('0', new Blob([valid], { type: 'application/x-secret-mime' }), 'secret-name-4711.xml');
      const res = await fetch(gw.graphqlUrl, {
        method: 'POST',
        body: form,
        headers: { ...headersOf(gw.predictor), 'apollo-require-preflight': 'true' },
      });
      const text = await res.text();
      expect(res.status).toBe(400);
      const body = JSON.parse(text) as GraphQLResponse<unknown>['body'];
      expect(codeOf({ status: res.status, body })).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toBe(message);
      expect(text).not.toMatch(/secret-name-4711|x-secret-mime|filename|mimetype|createReadStream|encoding/);
      await expectStillServing();
    },
  );
});
