import type { RequestAuth } from '../auth/principal';

/** What every resolver and rule knows about the request. Built once per request by the server. */
export interface GatewayContext {
  readonly auth: RequestAuth;
  /** The client's address as the server sees it (behind a proxy: see `TRUST_PROXY`). */
  readonly address: string;
  /** Runs `task` once the response has been sent (without an HTTP response, on the next turn of the event loop). */
  readonly afterResponse?: (task: () => void) => void;
}
