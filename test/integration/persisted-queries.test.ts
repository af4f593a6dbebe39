/**
 * Automatic persisted queries over real HTTP: the codes Apollo's client links recover with must reach the client,
 * and an anonymous caller sending unknown hashes must not fill the log with errors.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { headersOf, type Endpoint, type GraphQLResponse } from '../support/graphql-client';
import { startGateway, type RunningGateway } from '../support/gateway';

const lines: { level: number; msg?: string }[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number });
    done();
  },
});

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway({}, { logger: pino({ level: 'trace' }, sink) });
});
afterAll(() => gw.stop());
beforeEach(() => {
  lines.length = 0;
});

const sha256 = (query: string) => createHash('sha256').update(query).digest('hex');

interface Sent {
  readonly status: number;
  readonly cacheControl: string | null;
  readonly body: GraphQLResponse<{ me: { role: string } }>['body'];
}

/** A GET as Apollo Client's persisted-query link sends it: JSON content type, extensions in the URL. */
async function get(endpoint: Endpoint, hash: string, query?: string): Promise<Sent> {
  const params = new URLSearchParams({
    extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
  });
  if (query !== undefined) params.set('query', query);
  const url = `${typeof endpoint === 'string' ? endpoint : endpoint.url}?${params.toString()}`;
  const res = await fetch(url, { headers: { ...headersOf(endpoint), 'content-type': 'application/json' } });
  return {
    status: res.status,
    cacheControl: res.headers.get('cache-control'),
    body: (await res.json()) as Sent['body'],
  };
}

async function post(endpoint: Endpoint, hash: string, query?: string): Promise<Sent> {
  const res = await fetch(typeof endpoint === 'string' ? endpoint : endpoint.url, {
    method: 'POST',
    headers: { ...headersOf(endpoint), 'content-type': 'application/json' },
    body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  return {
    status: res.status,
    cacheControl: res.headers.get('cache-control'),
    body: (await res.json()) as Sent['body'],
  };
}

/** Nothing at warn (40) or above: these are the caller's mistakes, not the gateway's. */
function expectNothingLoggedAsAnError(): void {
  expect(lines.filter((l) => l.level >= 40)).toEqual([]);
}

describe('automatic persisted queries', () => {
  it.each([
    ['GET', get],
    ['POST', post],
  ])(
    'over %s, answers an unknown hash PERSISTED_QUERY_NOT_FOUND, registers it with its query, then serves the hash alone',
    async (_method, send) => {
      const query = `query Me${_method} { me { role } }`;
      const hash = sha256(query);

      const miss = await send(gw.viewer, hash);
      expect(miss.status).toBe(200);
      expect(miss.cacheControl).toMatch(/no-cache/);
      expect(miss.body).toEqual({
        errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }],
      });

      const register = await send(gw.viewer, hash, query);
      expect(register.status).toBe(200);
      expect(register.body).toEqual({ data: { me: { role: 'VIEWER' } } });

      const hit = await send(gw.viewer, hash);
      expect(hit.body).toEqual({ data: { me: { role: 'VIEWER' } } });
      expectNothingLoggedAsAnError();
    },
  );

  it('answers an anonymous caller flooding unknown hashes PERSISTED_QUERY_NOT_FOUND without logging errors', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await post(gw.graphqlUrl, sha256(`query Q${i} { me { role } }`));
      expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
    expectNothingLoggedAsAnError();
  });

  it('refuses a hash that does not match its query as BAD_REQUEST, HTTP 400, without registering it', async () => {
    const query = '{ me { role } }';
    const wrong = sha256('{ me { kind } }');
    const res = await post(gw.viewer, wrong, query);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [{ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } }],
    });
    expect((await post(gw.viewer, wrong)).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expectNothingLoggedAsAnError();
  });

  it('refuses an unsupported persisted-query version as BAD_REQUEST', async () => {
    const res = await fetch(gw.graphqlUrl, {
      method: 'POST',
      headers: { ...headersOf(gw.viewer), 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 2, sha256Hash: sha256('{ me { role } }') } } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } }],
    });
    expectNothingLoggedAsAnError();
  });

  it('still applies authentication to a persisted query', async () => {
    const query = '{ me { role } }';
    await post(gw.viewer, sha256(query), query);
    const anonymous = await post(gw.graphqlUrl, sha256(query));
    expect(anonymous.body.data ?? null).toBeNull();
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('applies CSRF prevention to a persisted-query GET without a JSON content type or preflight header', async () => {
    const params = new URLSearchParams({
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: sha256('{ me { role } }') } }),
    });
    const res = await fetch(`${gw.graphqlUrl}?${params.toString()}`, { headers: headersOf(gw.viewer) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });
});
