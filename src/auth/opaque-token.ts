import { createHash, randomBytes } from 'node:crypto';

/** Random bytes per token: 256 bits, beyond any brute force. */
const TOKEN_BYTES = 32;
/** Length of 32 bytes in unpadded base64url. */
const ENCODED_LENGTH = 43;

/** A new opaque secret: `prefix` + 32 random bytes in base64url. The prefix makes leaked secrets easy to scan for. */
export function generateOpaqueToken(prefix: string): string {
  return prefix + randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The value stored in place of an opaque secret: SHA-256, hex. A fast hash is right here, unlike for passwords: the
 * input is 256 random bits, so there is no dictionary to try and a slow hash would only slow every request.
 */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `value` has the exact shape of a token with this prefix; lets garbage be refused without a lookup. */
export function hasOpaqueTokenShape(value: string, prefix: string): boolean {
  if (value.length !== prefix.length + ENCODED_LENGTH || !value.startsWith(prefix)) return false;
  return /^[A-Za-z0-9_-]+$/.test(value.slice(prefix.length));
}
