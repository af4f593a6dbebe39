import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import onFinished from 'on-finished';
import type { Logger } from 'pino';
import type { PresentedCredentials, RequestAuth } from '../auth/principal';
import type { Config } from '../config/config';
import { ErrorCode } from '../errors/error-code';
import type { GatewayContext } from '../graphql/context';
import type { ModelRegistry } from '../registry/model-registry';
import { multipartCsrfGuard } from './csrf.middleware';
import { errorHandler, sendError } from './error-handler';
import { healthRoutes } from './health-routes';
import { metricsRoutes, type MetricsExposition } from './metrics-routes';
import { admitsRequests, type ServerPhase } from './lifecycle';
import { authenticateOnce } from './request-auth';
import { uploadAdmission } from './upload-admission.middleware';

/** What the HTTP application is assembled from. */
export interface HttpAppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly registry: ModelRegistry;
  /** The Prometheus registry served at `GET /metrics`. */
  readonly metrics: MetricsExposition;
  readonly authenticate: (credentials: PresentedCredentials) => RequestAuth;
  readonly phase: () => ServerPhase;
  /** The query limits' HTTP part (`createQueryLimits`): document size and tokens, checked before Apollo parses. */
  readonly queryLimits: RequestHandler;
}

/**
 * The express application, in the order requests meet it: security headers, health and metrics routes, admission while
 * draining, CORS, CSRF for multipart, body and upload parsing with their limits, GraphQL, and one error handler.
 */
export function createHttpApp(deps: HttpAppDeps): Express {
  const { config, logger, apollo, registry, metrics, authenticate, phase, queryLimits } = deps;
  const production = config.env === 'production';
  const app = express();
  app.disable('x-powered-by');
  // A hop count, never `true`: `req.ip` is the address TRUST_PROXY hops back in X-Forwarded-For (0: the peer's).
  app.set('trust proxy', config.trustProxyHops);
  // Apollo's landing page (development only) loads scripts from its CDN; production serves JSON only.
  app.use(helmet({ contentSecurityPolicy: production ? undefined : false }));
  app.use(healthRoutes(registry, phase, authenticate));
  app.use(metricsRoutes(metrics, config.metricsToken));
  app.use('/graphql', (_req, res, next) => {
    if (admitsRequests(phase())) next();
    else sendError(res.set('Connection', 'close'), ErrorCode.SHUTTING_DOWN, 'The gateway is shutting down.');
  });
  app.use('/graphql', cors({ origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false, maxAge: 600 }));
  app.use(
    '/graphql',
    multipartCsrfGuard(),
    express.json({ limit: '1mb' }),
    // Multipart bodies are read only for authenticated callers, with the cap their role can use (admins: the model
    // cap); each operation still enforces its own cap while streaming (batches: MAX_UPLOAD_BYTES, models: MAX_MODEL_BYTES).
    uploadAdmission({ authenticate, maxUploadBytes: config.maxUploadBytes, maxModelBytes: config.maxModelBytes }),
    // Document size and token count are checked before Apollo: an error thrown by a plugin before parsing is a 500.
    queryLimits,
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GatewayContext> => ({
        auth: authenticateOnce(req, authenticate),
        address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        afterResponse: (task) => onFinished(res, () => setImmediate(task)),
      }),
    }),
  );
  app.use(errorHandler(logger));
  return app;
}
