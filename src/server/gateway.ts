import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { ErrorCode } from '../errors/error-code';
import { createFormatError } from '../errors/format-error';
import type { ModelRegistry } from '../registry/model-registry';
import { errorHandler, sendError } from './error-handler';
import { healthRoutes } from './health.routes';
import { admitsRequests, type ServerPhase } from './lifecycle';

/** What a {@link Gateway} is built from; all of it comes from the composition root. */
export interface GatewayDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly schema: GraphQLSchema;
  readonly registry: ModelRegistry;
}

/** The HTTP server: health routes, `POST /graphql` with multipart uploads, and a graceful stop. */
export class Gateway {
  private state: ServerPhase = { phase: 'created' };
  private readonly httpServer: http.Server;
  private readonly apollo: ApolloServer;

  constructor(private readonly deps: GatewayDeps) {
    const { config, logger, schema } = deps;
    this.httpServer = http.createServer();
    this.apollo = new ApolloServer({
      schema,
      formatError: createFormatError(logger),
      includeStacktraceInErrorResponses: false,
      introspection: config.env !== 'production',
      csrfPrevention: true,
      // main.ts owns signals: Apollo's own handler would re-raise SIGTERM and end the process before models are freed.
      stopOnTerminationSignals: false,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer: this.httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
        ...(config.env === 'production' ? [ApolloServerPluginLandingPageDisabled()] : []),
      ],
    });
  }

  get phase(): ServerPhase {
    return this.state;
  }

  /** Starts listening; resolves with the bound port (useful with `PORT=0`). */
  async start(): Promise<number> {
    const { config, logger, registry } = this.deps;
    await this.apollo.start();
    const app = express();
    app.disable('x-powered-by');
    app.use(healthRoutes(registry, () => this.state));
    app.use('/graphql', (_req, res, next) => {
      if (admitsRequests(this.state)) next();
      else sendError(res.set('Connection', 'close'), ErrorCode.SHUTTING_DOWN, 'The gateway is shutting down.');
    });
    app.use(
      '/graphql',
      express.json({ limit: '1mb' }),
      graphqlUploadExpress({ maxFileSize: config.maxUploadBytes, maxFiles: 1, maxFieldSize: 1_000_000 }),
      expressMiddleware(this.apollo),
    );
    app.use(errorHandler(logger));
    this.httpServer.on('request', app);
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(config.port, config.host, resolve);
    });
    const { port } = this.httpServer.address() as AddressInfo;
    this.state = { phase: 'serving', port, since: new Date() };
    logger.info({ port, host: config.host }, 'gateway listening');
    return port;
  }

  /** Stops admitting requests, lets in-flight ones finish (up to the shutdown timeout), then frees the models. */
  async stop(): Promise<void> {
    if (this.state.phase === 'draining' || this.state.phase === 'stopped') return;
    this.state = { phase: 'draining', since: new Date() };
    this.deps.logger.info('draining');
    await this.apollo.stop();
    await this.deps.registry.close();
    this.state = { phase: 'stopped' };
    this.deps.logger.info('stopped');
  }
}
