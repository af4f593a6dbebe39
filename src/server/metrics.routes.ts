import { Router } from 'express';
import type { Registry } from 'prom-client';

/** `GET /metrics`: the Prometheus text exposition of the gateway's registry. */
export function metricsRoutes(registry: Registry): Router {
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
