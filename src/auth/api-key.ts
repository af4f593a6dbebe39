import { generateOpaqueToken, hasOpaqueTokenShape } from './opaque-token';

/** Marks infergraph API keys, for humans and for secret scanners. */
export const API_KEY_PREFIX = 'igk_';

/** A new API key: `igk_` + 256 random bits. Shown to its creator once; only its hash is stored. */
export function generateApiKey(): string {
  return generateOpaqueToken(API_KEY_PREFIX);
}

/** Whether `value` could be an API key at all. */
export function isApiKeyShaped(value: string): boolean {
  return hasOpaqueTokenShape(value, API_KEY_PREFIX);
}
