import type { Role } from './role';

/** Who is calling: a person who logged in, or a service holding an API key. */
export type Principal =
  | { readonly kind: 'user'; readonly id: string; readonly name: string; readonly role: Role }
  | { readonly kind: 'apiKey'; readonly id: string; readonly name: string; readonly role: Role };

/**
 * The outcome of reading a request's credentials. `rejected` (credentials present but invalid: forged, expired,
 * revoked...) is kept apart from `anonymous` so that a bad token is never silently treated as no token.
 */
export type RequestAuth =
  | { readonly status: 'anonymous' }
  | { readonly status: 'authenticated'; readonly principal: Principal }
  | { readonly status: 'rejected'; readonly reason: string };

/** The credentials a request carries, as read from its headers. */
export interface PresentedCredentials {
  /** The raw `Authorization` header, if any. */
  readonly authorization?: string | undefined;
  /** The raw `X-API-Key` header, if any. */
  readonly apiKey?: string | undefined;
}

/** A stable key for per-principal limits (rate limits, concurrency caps). */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}
