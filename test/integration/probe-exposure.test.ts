/**
 * What anonymous callers learn from the routes outside GraphQL, over real HTTP: `/readyz` answers them with its status
 * alone (the catalogue needs credentials), and with `METRICS_TOKEN` set `/metrics` needs that bearer token.
 */
import { startGateway, type RunningGateway } from '../support/gateway';
import { headersOf } from '../support/graphql-client';

const METRICS_TOKEN = 'scrape-token-for-the-tests-0123456789';

let gw: RunningGateway;
let open: RunningGateway;

beforeAll(async () => {
  [gw, open] = await Promise.all([startGateway({ METRICS_TOKEN }), startGateway()]);
});
afterAll(() => Promise.all([gw.stop(), open.stop()]));

describe('GET /readyz', () => {
  it('answers an anonymous caller (or invalid credentials) with the status alone: no phase, model or version', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { 'x-api-key': 'ig_not-a-real-key' },
      { authorization: 'Bearer forged' },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${gw.baseUrl}/readyz`, { headers });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ status: 'ready' });
      expect(text).not.toContain('ecg-rhythm');
    }
  });

  it('names every model version and its state to an authenticated caller of any role', async () => {
    for (const endpoint of [gw.viewer, gw.predictor, gw.admin]) {
      const res = await fetch(`${gw.baseUrl}/readyz`, { headers: headersOf(endpoint) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ready',
        phase: 'serving',
        models: expect.arrayContaining([{ model: 'ecg-rhythm', version: 1, state: 'READY' }]),
      });
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${METRICS_TOKEN}x` }],
    ['the token without the Bearer scheme', { authorization: METRICS_TOKEN }],
    ['a valid API key instead', 'viewer'],
  ])('refuses %s with 401 and no metrics', async (_label, headers) => {
    const sent = headers === 'viewer' ? headersOf(gw.viewer) : headers;
    const res = await fetch(`${gw.baseUrl}/metrics`, { headers: sent });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const text = await res.text();
    expect(text).not.toContain('infergraph_');
    expect(text).not.toContain('nodejs_version_info');
  });

  it('serves the exposition to the bearer token', async () => {
    const res = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('nodejs_version_info');
  });

  it('without METRICS_TOKEN, serves it to whoever reaches the port (protect it by not exposing the port)', async () => {
    const res = await fetch(`${open.baseUrl}/metrics`);
    expect(res.status).toBe(200);
  });
});
