/** Bits of estimated entropy a production `JWT_SECRET` needs (HS256's key is 256 bits; 128 is the security floor). */
export const MIN_SECRET_ENTROPY_BITS = 128;

/**
 * The length of the shortest unit the text repeats (`abcabcab` → 3), by the prefix function of Knuth–Morris–Pratt:
 * the text equals its first `period` characters repeated and cut to length.
 */
function periodOf(chars: readonly string[]): number {
  const border = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = border[k - 1] ?? 0;
    if (chars[i] === chars[k]) k++;
    border[i] = k;
  }
  return chars.length - (border[chars.length - 1] ?? 0);
}

/**
 * A conservative estimate of a secret's entropy in bits: the Shannon entropy of its characters' frequencies times
 * its length in characters, taken over its shortest repeating unit (so `ab` × 16 counts as `ab`: 2 bits).
 *
 * Random secrets score close to their real entropy (32 random bytes in base64 or hex: above 180 bits); a single
 * repeated character scores 0 and any short repeated pattern only what one repetition is worth. It cannot tell a
 * well-known phrase from a random one: it is a floor against obviously weak values, not a proof of strength.
 */
export function estimatedEntropyBits(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const unit = chars.slice(0, periodOf(chars));
  const counts = new Map<string, number>();
  for (const c of unit) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const n of counts.values()) bitsPerChar -= (n / unit.length) * Math.log2(n / unit.length);
  return bitsPerChar * unit.length;
}
