import { upload, type GraphQLResponse, type PredictionJson } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';
import { npyBytes } from '../support/npy';
import { NS, tokens, xmlBatch } from '../support/xml';

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
  const res = await upload<{ predict: PredictionJson }>(gw.graphqlUrl, valid);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.predict.shape).toEqual([1, 2]);
}

const f8 = (shape: number[]) => npyBytes({ descr: '<f8', shape, data: new Float64Array(shape.reduce((a, b) => a * b, 1)) });

const cases: [string, string | Uint8Array, string, Record<string, unknown>?][] = [
  ['malformed XML', `<batch xmlns="${NS}"><sample>1 2`, 'XML_MALFORMED'],
  ['binary junk', Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) % 251), 'UNSUPPORTED_FILE_TYPE'],
  ['plain text', 'hello, world', 'UNSUPPORTED_FILE_TYPE'],
  ['a non-number token', xmlBatch([`${tokens(10)} abc`]), 'XML_SCHEMA_INVALID'],
  ['an unknown element', `<batch xmlns="${NS}"><sample>1</sample><extra/></batch>`, 'XML_SCHEMA_INVALID'],
  ['the wrong namespace', '<batch xmlns="urn:other"><sample>1</sample></batch>', 'XML_SCHEMA_INVALID'],
  ['a short sample', xmlBatch([tokens(L), tokens(L - 1)]), 'WRONG_SAMPLE_LENGTH', { sampleIndex: 1, expected: L, actual: L - 1 }],
  ['a long sample', xmlBatch([tokens(L + 1)], { ids: ['long-one'] }), 'WRONG_SAMPLE_LENGTH', { sampleId: 'long-one' }],
  ['NaN', xmlBatch([tokens(L, (i) => (i === 17 ? 'NaN' : '0.5'))]), 'NON_FINITE_VALUE', { sampleIndex: 0, valueIndex: 17 }],
  ['INF', xmlBatch([tokens(L), tokens(L, (i) => (i === 4 ? '-INF' : '1'))]), 'NON_FINITE_VALUE', { sampleIndex: 1, valueIndex: 4 }],
  ['an empty batch', `<?xml version="1.0"?><batch xmlns="${NS}"/>`, 'EMPTY_BATCH'],
  ['an empty file', new Uint8Array(0), 'EMPTY_BATCH'],
  ['too many samples', xmlBatch([tokens(L), tokens(L), tokens(L), tokens(L)]), 'TOO_MANY_SAMPLES', { limit: 3, actual: 4 }],
  ['a truncated .npy', f8([1, L]).subarray(0, 1000), 'NPY_MALFORMED'],
  ['an int64 .npy', npyBytes({ descr: '<i8', shape: [1, L], data: new BigInt64Array(L) }), 'NPY_UNSUPPORTED'],
  ['an .npy of the wrong length', f8([2, 4000]), 'WRONG_SAMPLE_LENGTH'],
  ['an empty .npy', f8([0, L, 1]), 'EMPTY_BATCH'],
];

describe('every bad input gets its own code and the gateway keeps serving', () => {
  it.each(cases)('%s', async (_name, body, code, details) => {
    const res = await upload(gw.graphqlUrl, body);
    expect(res.body.data ?? null).toBeNull();
    expect(codeOf(res)).toBe(code);
    if (details) expect(res.body.errors?.[0]?.extensions).toMatchObject(details);
    expect(JSON.stringify(res.body)).not.toMatch(/\/work\/|node_modules|at .*\.ts:\d+/);
    await expectStillServing();
  });

  it('reports schema errors with line numbers and the first messages', async () => {
    const xml = `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n<sample>1 2</sample>\n<sample>1 x</sample>\n</batch>`;
    const res = await upload(gw.graphqlUrl, xml);
    expect(codeOf(res)).toBe('XML_SCHEMA_INVALID');
    const errors = res.body.errors?.[0]?.extensions?.['errors'] as { line: number; message: string }[];
    expect(errors[0]?.line).toBe(4);
    expect(errors[0]?.message).toMatch(/sample/);
    expect(res.body.errors?.[0]?.message).toMatch(/line 4/);
  });

  it('answers an unknown model and an unknown version with their own codes', async () => {
    expect(codeOf(await upload(gw.graphqlUrl, valid, { variables: { model: 'nope' } }))).toBe('MODEL_NOT_FOUND');
    expect(codeOf(await upload(gw.graphqlUrl, valid, { variables: { version: 42 } }))).toBe('MODEL_VERSION_NOT_FOUND');
    await expectStillServing();
  });

  it('refuses a file over MAX_UPLOAD_BYTES while streaming', async () => {
    const big = xmlBatch([tokens(L), tokens(L)]).padEnd(5 * 1024 * 1024, ' ');
    const res = await upload(gw.graphqlUrl, big);
    expect(codeOf(res)).toBe('FILE_TOO_LARGE');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ limit: 4 * 1024 * 1024 });
    await expectStillServing();
  });

  it('refuses a second file in one request', async () => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!){ predict(model:"ecg-rhythm", file:$f){ shape } }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'], 1: ['variables.f'] }));
    form.append('0', new Blob([valid]), 'a.xml');
    form.append('1', new Blob([valid]), 'b.xml');
    const res = await fetch(gw.graphqlUrl, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'TOO_MANY_FILES' } }] });
    await expectStillServing();
  });

  it('refuses a multipart request without a CSRF preflight header', async () => {
    const res = await upload(gw.graphqlUrl, valid, { preflight: false });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_REQUEST');
    await expectStillServing();
  });

  it('refuses a malformed multipart map', async () => {
    const form = new FormData();
    form.append('operations', '{"query": "{ models { name } }"');
    form.append('map', '{}');
    const res = await fetch(gw.graphqlUrl, { method: 'POST', body: form, headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('answers a bad GraphQL document with a request error, not an internal one', async () => {
    const res = await upload(gw.graphqlUrl, valid, { query: 'mutation($file: Upload!) { predict(file: $file) { nope } }' });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
