import { Router } from 'express';
import type { PresentedCredentials, RequestAuth } from '../auth/principal';
import type { ModelRegistry } from '../registry/model-registry';
import { admitsRequests, type ServerPhase } from './lifecycle';
import { authenticateOnce } from './request-auth';

/**
 * `GET /healthz` (the process is alive and its event loop answers) and `GET /readyz` (it should get traffic:
 * serving, no model version failed, no runner stuck), in the shape orchestrators probe. Probes need only the status
 * code: `/readyz` names the phase, the stuck runners and every model version with its state (and a failed one's
 * stage and reason) only to authenticated callers (any role may list models), and answers anonymous callers with the
 * status alone, so that the catalogue does not leak.
 */
export function healthRoutes(
  registry: ModelRegistry,
  phase: () => ServerPhase,
  authenticate: (credentials: PresentedCredentials) => RequestAuth,
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (req, res) => {
    const ready = admitsRequests(phase()) && registry.isReady();
    const status = ready ? 'ready' : 'not ready';
    res.status(ready ? 200 : 503);
    if (authenticateOnce(req, authenticate).status !== 'authenticated') {
      res.json({ status });
      return;
    }
    const models = registry.list().flatMap((m) =>
      m.versions.map((v) => {
        const { state } = v;
        const failure = state.status === 'FAILED' && { stage: state.stage, reason: state.reason };
        return { model: m.name, version: v.version, state: state.status, ...failure };
      }),
    );
    res.json({ status, phase: phase().phase, stuckRunners: registry.stuckRunners(), models });
  });
  return router;
}
