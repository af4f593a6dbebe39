import { createHash } from 'node:crypto';
import { generateApiKey, isApiKeyShaped } from '../../../src/auth/api-key';
import { hashOpaqueToken } from '../../../src/auth/opaque-token';
import { generateRefreshToken, isRefreshTokenShaped } from '../../../src/auth/refresh-token';

describe('opaque tokens (API keys, refresh tokens)', () => {
  it('makes API keys of igk_ + 32 random bytes in base64url, never twice the same', () => {
    const keys = Array.from({ length: 50 }, generateApiKey);
    for (const key of keys) {
      expect(key).toMatch(/^igk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('makes refresh tokens of rt_ + 32 random bytes in base64url', () => {
    const token = generateRefreshToken();
    expect(token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(generateRefreshToken()).not.toBe(token);
  });

  it('recognises each kind by its exact shape and prefix, and nothing else', () => {
    const key = generateApiKey();
    const token = generateRefreshToken();
    expect(isApiKeyShaped(key)).toBe(true);
    expect(isRefreshTokenShaped(token)).toBe(true);
    expect(isApiKeyShaped(token)).toBe(false);
    expect(isRefreshTokenShaped(key)).toBe(false);
    for (const bad of ['', 'igk_', `${key}A`, key.slice(0, -1), `igk_${'!'.repeat(43)}`, `IGK_${key.slice(4)}`]) {
      expect(isApiKeyShaped(bad)).toBe(false);
    }
  });

  it('stores the SHA-256 of the token, hex', () => {
    const key = generateApiKey();
    expect(hashOpaqueToken(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashOpaqueToken(key)).toMatch(/^[0-9a-f]{64}$/);
  });
});
