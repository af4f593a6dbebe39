/**
 * Who may make the gateway read a multipart body, over real HTTP: anonymous callers and invalid credentials are
 * answered from the headers before the body is sent; callers who may not register models get the prediction cap,
 * admins the model cap.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';
import { multipartBody, upload, type GraphQLResponse } from '../support/graphql-client';
import { MODEL_DIR } from '../support/reference';

const KiB = 1024;
const MAX_UPLOAD_BYTES = 100 * KiB;
const MAX_MODEL_BYTES = 400 * KiB;
const RETRAINED = path.join(REPO_ROOT, 'test', 'fixtures', 'onnx', 'ecg-rhythm-retrained.onnx');
const REGISTER = /* GraphQL */ `
  mutation Register($name: String!, $file: Upload!) {
    registerModel(name: $name, file: $file) {
      version
      sizeBytes
    }
  }
`;

let gw: RunningGateway;

beforeAll(async () => {
  const models = mkdtempSync(path.join(tmpdir(), 'infergraph-admission-models-'));
  cpSync(MODEL_DIR, path.join(models, 'ecg-rhythm', '1'), { recursive: true });
  gw = await startGateway({
    MODELS_DIR: models,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_MODEL_BYTES: String(MAX_MODEL_BYTES),
  });
});
afterAll(() => gw.stop());

const codeOf = (res: GraphQLResponse): unknown => res.body.errors?.[0]?.extensions?.code;

/**
 * Announces a multipart body of 64 MiB, sends only its first 16 KiB and holds the rest: resolves with the response
 * if one arrives within 5 s while the body is still held, and `'no answer'` otherwise.
 */
async function heldMultipart(headers: Record<string, string>): Promise<
  | 'no answer'
  | {
      status: number;
      connection: string | undefined;
      /** Whether the server closed the connection (within 3 s) while the rest of the body was still held. */
      closed: boolean;
      body: GraphQLResponse['body'];
    }
> {
  const { body, contentType } = await multipartBody(Buffer.alloc(64 * 1024 * KiB, 7), { filename: 'x.npy' });
  const url = new URL(`${gw.baseUrl}/graphql`);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: {
      ...headers,
      'content-type': contentType,
      'content-length': String(body.length),
      'apollo-require-preflight': 'true',
    },
  });
  req.on('error', () => undefined);
  const closed = new Promise<boolean>((resolve) => {
    req.once('socket', (socket) => socket.once('close', () => resolve(true)));
    setTimeout(() => resolve(false), 8000).unref();
  });
  const response = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
  req.write(body.subarray(0, 16 * KiB));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), 5000)));
  try {
    const res = await Promise.race([response, timeout]);
    if (res === 'no answer') return res;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return {
      status: res.statusCode ?? 0,
      connection: res.headers.connection,
      closed: await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]),
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLResponse['body'],
    };
  } finally {
    clearTimeout(timer);
    req.destroy();
  }
}

describe('multipart admission', () => {
  it.each([
    ['no credentials', {}],
    ['an unknown API key', { 'x-api-key': 'ig_not-a-real-key' }],
    ['a forged access token', { authorization: 'Bearer not.a.token' }],
  ])(
    'answers a multipart request with %s UNAUTHENTICATED (401) before its body is sent, and closes the connection',
    async (_label, headers) => {
      const res = await heldMultipart(headers);
      expect(res).not.toBe('no answer');
      if (res === 'no answer') return;
      expect(res.status).toBe(401);
      expect(res.connection).toBe('close');
      expect(res.closed).toBe(true);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.data).toBeUndefined();
    },
  );

  it('still reads the multipart body of an authenticated caller (held, it is not answered early)', async () => {
    const predictor = gw.predictor as { headers: Record<string, string> };
    expect(await heldMultipart(predictor.headers)).toBe('no answer');
  });

  it('gives a PREDICTOR the prediction cap: a file between MAX_UPLOAD_BYTES and MAX_MODEL_BYTES is FILE_TOO_LARGE', async () => {
    const file = Buffer.alloc(200 * KiB, 7);
    const predicted = await upload(gw.predictor, file, { filename: 'batch.npy' });
    expect(codeOf(predicted)).toBe('FILE_TOO_LARGE');
    expect(predicted.body.errors?.[0]?.extensions).toMatchObject({ limit: MAX_UPLOAD_BYTES });
    const registered = await upload(gw.predictor, file, {
      query: REGISTER,
      variables: { name: 'ecg-rhythm' },
      filename: 'model.onnx',
    });
    expect(codeOf(registered)).toBe('FORBIDDEN');
  });

  it('lets an ADMIN register a model larger than MAX_UPLOAD_BYTES', async () => {
    const bytes = readFileSync(RETRAINED);
    expect(bytes.length).toBeGreaterThan(MAX_UPLOAD_BYTES);
    const res = await upload<{ registerModel: { version: number; sizeBytes: number } }>(gw.admin, bytes, {
      query: REGISTER,
      variables: { name: 'ecg-rhythm' },
      filename: 'model.onnx',
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.registerModel).toEqual({ version: 2, sizeBytes: bytes.length });
  });
});
