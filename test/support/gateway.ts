import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { bootstrap, type BootstrapOverrides } from '../../src/main';
import type { Gateway } from '../../src/server/gateway';
import { postJson, type Endpoint } from './graphql-client';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Credentials of the bootstrap admin every test gateway starts with. */
export const TEST_ADMIN = { username: 'admin', password: 'correct horse battery staple 42' } as const;
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** A real gateway listening on an ephemeral loopback port. */
export interface RunningGateway {
  readonly gateway: Gateway;
  readonly baseUrl: string;
  /** The GraphQL endpoint, as an anonymous caller. */
  readonly graphqlUrl: string;
  /** The GraphQL endpoint with an API key of each role. */
  readonly viewer: Endpoint;
  readonly predictor: Endpoint;
  readonly admin: Endpoint;
  stop(): Promise<void>;
}

/** The environment every test gateway starts from; `env` overrides it. */
export function testEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'infergraph-data-')),
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_USERNAME: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    // Suites send hundreds of predictions; the rate-limit tests set their own budgets.
    PREDICT_RATE_LIMIT_PER_MINUTE: '1000000',
    PREDICT_MAX_CONCURRENCY: '64',
    // A worker thread per model version, not a child process: the suites start hundreds of gateways, and a child
    // started through ts-node takes a second. The process runner, the production default, has its own suites
    // (the backend contract, stuck-model.test.ts, process.test.ts).
    ORT_RUNNER: 'thread',
    ...env,
  };
}

/** Logs in and returns an endpoint carrying the access token. */
export async function loginAs(graphqlUrl: string, username: string, password: string): Promise<Endpoint> {
  const res = await postJson<{ login: { accessToken: string } }>(
    graphqlUrl,
    'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
    { u: username, p: password },
  );
  const token = res.body.data?.login.accessToken;
  if (token === undefined) throw new Error(`login failed: ${JSON.stringify(res.body)}`);
  return { url: graphqlUrl, headers: { authorization: `Bearer ${token}` } };
}

async function apiKey(admin: Endpoint, graphqlUrl: string, role: string): Promise<Endpoint> {
  const res = await postJson<{ createApiKey: { key: string } }>(
    admin,
    'mutation($n: String!, $r: Role!) { createApiKey(name: $n, role: $r) { key } }',
    { n: `test-${role.toLowerCase()}`, r: role },
  );
  const key = res.body.data?.createApiKey.key;
  if (key === undefined) throw new Error(`createApiKey failed: ${JSON.stringify(res.body)}`);
  return { url: graphqlUrl, headers: { 'x-api-key': key } };
}

/**
 * Boots the gateway through the real composition root, with a fresh data folder and one credential per role.
 *
 * XML is decoded on the test's own thread: jest runs many files in one process, and once a unit test has loaded
 * libxmljs2 there, no worker thread of that process can load it. The worker is tested with gateways started as
 * their own processes (`gateway-process.ts`).
 */
export async function startGateway(
  env: Record<string, string> = {},
  overrides: BootstrapOverrides = {},
): Promise<RunningGateway> {
  const config = loadConfig(testEnv({ XML_DECODE_WORKER: '0', ...env }), REPO_ROOT);
  const gateway = await bootstrap(config, overrides);
  const port = await gateway.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const graphqlUrl = `${baseUrl}/graphql`;
  const admin = await loginAs(graphqlUrl, TEST_ADMIN.username, TEST_ADMIN.password);
  const [viewer, predictor] = await Promise.all([
    apiKey(admin, graphqlUrl, 'VIEWER'),
    apiKey(admin, graphqlUrl, 'PREDICTOR'),
  ]);
  return { gateway, baseUrl, graphqlUrl, viewer, predictor, admin, stop: () => gateway.stop() };
}
