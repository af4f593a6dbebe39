import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { PresentedCredentials, RequestAuth } from '../auth/principal';
import type { Config } from '../config/config';
import { createFormatError } from '../errors/format-error';
import type { GatewayContext } from '../graphql/context';
import { createQueryLimits, queryLimitsOf, type QueryLimitsWiring } from '../graphql/query-limits';
import { uploadDrainPlugin } from '../graphql/upload-drain.plugin';
import type { ModelRegistry } from '../registry/model-registry';
import type { Telemetry } from '../telemetry/telemetry';
import { createHttpApp } from './http-app';
import type { ServerPhase } from './lifecycle';

/** What a {@link Gateway} is built from; all of it comes from the composition root. */
export interface GatewayDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** The executable schema, permissions and field middleware already applied. */
  readonly schema: GraphQLSchema;
  readonly registry: ModelRegistry;
  /** Apollo plugin for the operation span and request metrics, and the registry served at `/metrics`. */
  readonly telemetry: Pick<Telemetry, 'plugin' | 'metrics'>;
  readonly authenticate: (credentials: PresentedCredentials) => RequestAuth;
  /** Freed after the HTTP server has drained (e.g. the database). */
  readonly onStopped?: () => Promise<void> | void;
}

/** The HTTP server: health routes, `POST /graphql` with multipart uploads, and a graceful stop. */
export class Gateway {
  private state: ServerPhase = { phase: 'created' };
  private readonly httpServer: http.Server;
  private readonly apollo: ApolloServer<GatewayContext>;
  private readonly queryLimits: QueryLimitsWiring;

  constructor(private readonly deps: GatewayDeps) {
    const { config, logger, schema } = deps;
    const production = config.env === 'production';
    this.httpServer = http.createServer({ requestTimeout: config.requestTimeoutMs, headersTimeout: 30_000 });
    const limits = createQueryLimits(queryLimitsOf(config.limits));
    this.queryLimits = limits;
    this.apollo = new ApolloServer<GatewayContext>({
      schema,
      formatError: createFormatError(logger),
      includeStacktraceInErrorResponses: false,
      introspection: !production,
      hideSchemaDetailsFromClientErrors: production,
      allowBatchedHttpRequests: false,
      validationRules: limits.validationRules,
      parseOptions: limits.parseOptions,
      csrfPrevention: true,
      // main.ts owns signals: Apollo's own handler would re-raise SIGTERM and end the process before models are freed.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginDrainHttpServer({
          httpServer: this.httpServer,
          stopGracePeriodMillis: config.shutdownTimeoutMs,
        }),
        uploadDrainPlugin(),
        limits.plugin,
        deps.telemetry.plugin,
        ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
      ],
    });
  }

  get phase(): ServerPhase {
    return this.state;
  }

  /** Runners stuck inside a run that have not ended (a worker thread the process cannot join: see main.ts). */
  stuckRunners(): number {
    return this.deps.registry.stuckRunners();
  }

  /** Starts listening; resolves with the bound port (useful with `PORT=0`). */
  async start(): Promise<number> {
    const { config, logger, registry, authenticate, telemetry } = this.deps;
    await this.apollo.start();
    const app = createHttpApp({
      config,
      logger,
      apollo: this.apollo,
      registry,
      metrics: telemetry.metrics.registry,
      authenticate,
      phase: () => this.state,
      queryLimits: this.queryLimits.httpMiddleware,
    });
    this.httpServer.on('request', app);
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = this.httpServer.address() as AddressInfo;
    this.state = { phase: 'serving', port, since: new Date() };
    logger.info({ port, host: config.host }, 'gateway listening');
    if (config.env !== 'production' && !isLoopback(config.host)) {
      logger.warn(
        { port, host: config.host, introspection: true, fieldSuggestions: true, landingPage: true },
        `NODE_ENV=${config.env} on a non-loopback address: other machines can reach introspection, field ` +
          'suggestions and the landing page; set HOST=127.0.0.1 or NODE_ENV=production',
      );
    }
    return port;
  }

  /** Stops admitting requests, lets in-flight ones finish (up to the shutdown timeout), then frees the models. */
  async stop(): Promise<void> {
    if (this.state.phase === 'draining' || this.state.phase === 'stopped') return;
    const since = new Date();
    this.state = { phase: 'draining', since };
    this.deps.logger.info('draining');
    await this.apollo.stop();
    // A request whose run never returns holds its version's lease: it is not waited for past the drain's end, as
    // freeing the backend (onStopped) ends its run, and with it the lease.
    const freed = this.deps.registry.close().then(
      () => true,
      () => true,
    );
    const left = since.getTime() + this.deps.config.shutdownTimeoutMs - Date.now();
    const timer = new AbortController();
    const timeUp = delay(Math.max(0, left), false, { signal: timer.signal }).catch(() => false);
    if (!(await Promise.race([freed, timeUp]))) {
      this.deps.logger.warn('requests still hold a model after the drain; ending their runs');
    }
    timer.abort();
    await this.deps.onStopped?.();
    this.state = { phase: 'stopped' };
    this.deps.logger.info('stopped');
  }
}

/** Whether `host` only accepts connections from this machine (`localhost`, `127.0.0.0/8`, `::1`). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
