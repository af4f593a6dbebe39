import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { bootstrap, type BootstrapOverrides } from '../../src/main';
import type { Gateway } from '../../src/server/gateway';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A real gateway listening on an ephemeral loopback port. */
export interface RunningGateway {
  readonly gateway: Gateway;
  readonly baseUrl: string;
  readonly graphqlUrl: string;
  stop(): Promise<void>;
}

/** Boots the gateway through the real composition root with test-friendly defaults overridable by `env`. */
export async function startGateway(
  env: Record<string, string> = {},
  overrides: BootstrapOverrides = {},
): Promise<RunningGateway> {
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env }, REPO_ROOT);
  const gateway = await bootstrap(config, overrides);
  const port = await gateway.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  return { gateway, baseUrl, graphqlUrl: `${baseUrl}/graphql`, stop: () => gateway.stop() };
}
