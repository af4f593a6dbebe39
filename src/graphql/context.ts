import type { Principal, RequestAuth } from '../auth/principal';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { TelemetryContext } from '../telemetry/telemetry.plugin';

/** What every resolver and rule knows about the request. Built once per request by the server. */
export interface GatewayContext extends TelemetryContext {
  readonly auth: RequestAuth;
  /**
   * The peer address of the connection. Express's `trust proxy` is off, so `X-Forwarded-For` is ignored: behind a
   * reverse proxy this is the proxy's address, and the per-address login limit counts all its clients together.
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
