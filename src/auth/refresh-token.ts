import { generateOpaqueToken, hasOpaqueTokenShape } from './opaque-token';

/** Marks refresh tokens, so that one pasted where an API key or access token belongs is recognisable. */
export const REFRESH_TOKEN_PREFIX = 'rt_';

/**
 * A new refresh token: opaque, 256 random bits. Only its hash is stored, with its family and expiry; unlike access
 * tokens, refresh tokens are looked up on every use and can therefore be revoked.
 */
export function generateRefreshToken(): string {
  return generateOpaqueToken(REFRESH_TOKEN_PREFIX);
}

/** Whether `value` could be a refresh token at all. */
export function isRefreshTokenShaped(value: string): boolean {
  return hasOpaqueTokenShape(value, REFRESH_TOKEN_PREFIX);
}
