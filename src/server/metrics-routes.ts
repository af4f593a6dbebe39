import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';

/** What `/metrics` serves: a Prometheus registry, as far as this route needs it. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * `GET /metrics`: the Prometheus text exposition of the gateway's registry. With a `token` (`METRICS_TOKEN`) it is
 * served only to `Authorization: Bearer <token>`, compared in constant time (over digests, so the length does not
 * leak either); anything else gets 401 with a `WWW-Authenticate` challenge and no metrics.
 */
export function metricsRoutes(registry: MetricsExposition, token: string | null = null): Router {
  const router = Router();
  const expected = token === null ? null : digest(`Bearer ${token}`);
  router.get('/metrics', async (req, res, next) => {
    if (expected !== null && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('Unauthorized\n');
      return;
    }
    try {
      const body = await registry.metrics();
      res.set('Content-Type', registry.contentType).send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
