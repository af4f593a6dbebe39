import { Router } from 'express';
import type { ModelRegistry } from '../registry/model-registry';
import { admitsRequests, type ServerPhase } from './lifecycle';

/**
 * `GET /healthz` (the process is alive and its event loop answers) and `GET /readyz` (it should get traffic:
 * serving, and every model version loaded), in the shape orchestrators probe.
 */
export function healthRoutes(registry: ModelRegistry, phase: () => ServerPhase): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const models = registry
      .list()
      .flatMap((m) => m.versions.map((v) => ({ model: m.name, version: v.version, state: v.state.status })));
    const ready = admitsRequests(phase()) && registry.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', phase: phase().phase, models });
  });
  return router;
}
