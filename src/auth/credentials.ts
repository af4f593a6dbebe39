import type { PresentedCredentials } from './principal';

/** What a request's headers claim to carry, before any of it is checked. */
export type ParsedCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'apiKey'; readonly key: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/**
 * Reads the `Authorization` and `X-API-Key` headers. An empty header counts as absent; anything else that is not
 * exactly one well-formed credential (both headers, another scheme, a bare `Bearer`) is `invalid`, never `none`,
 * so that a client's mistake is reported instead of silently running the request anonymously.
 */
export function parseCredentials(credentials: PresentedCredentials): ParsedCredentials {
  const { authorization, apiKey } = credentials;
  if (present(authorization) && present(apiKey)) {
    return { kind: 'invalid', reason: 'send either an Authorization header or an X-API-Key header, not both' };
  }
  if (present(authorization)) {
    const match = BEARER.exec(authorization);
    if (match === null) return { kind: 'invalid', reason: 'the Authorization header must be "Bearer <access token>"' };
    return { kind: 'bearer', token: match[1] as string };
  }
  if (present(apiKey)) return { kind: 'apiKey', key: apiKey.trim() };
  return { kind: 'none' };
}
