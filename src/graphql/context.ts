import type { Principal, RequestAuth } from '../auth/principal';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { TelemetryContext } from '../telemetry/telemetry.plugin';

/** What every resolver and rule knows about the request. Built once per request by the server. */
export interface GatewayContext extends TelemetryContext {
  readonly auth: RequestAuth;
  /**
   * The client's address, which the login limits key on: express's `req.ip` with `trust proxy` set to `TRUST_PROXY`
   * hops. With 0 (the default) it is the peer address and `X-Forwarded-For` is ignored; behind N reverse proxies,
   * set N, or every client shares the proxy's address (and its per-address login limit).
   */
  readonly address: string;
  /** Runs `task` once the response has been sent (without an HTTP response, on the next turn of the event loop). */
  readonly afterResponse?: (task: () => void) => void;
}

/** The authenticated principal; the permission layer guarantees there is one wherever this is called. */
export function principalOf(ctx: GatewayContext): Principal {
  if (ctx.auth.status !== 'authenticated')
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'Authentication required.');
  return ctx.auth.principal;
}
