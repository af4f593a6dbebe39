import { Router } from 'express';

/** What `/metrics` serves: a Prometheus registry, as far as this route needs it. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** `GET /metrics`: the Prometheus text exposition of the gateway's registry. */
export function metricsRoutes(registry: MetricsExposition): Router {
  const router = Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await registry.metrics();
      res.set('Content-Type', registry.contentType).send(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
