import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Principal } from './principal';
import { isRole, type Role } from './role';

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_JWT_SECRET_BYTES = 32;
/** Far above any token we issue; refuses absurd inputs before any parsing. */
const MAX_TOKEN_LENGTH = 4096;

/** The claims of a valid access token. Times are epoch seconds. */
export interface AccessClaims {
  /** The user's id. */
  readonly sub: string;
  /** The role when the token was issued; the gateway trusts the database's current role instead. */
  readonly role: Role;
  readonly kind: 'user';
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly iss: string;
  readonly aud: string;
}

/** Why a token was refused: short, stable and safe to show to the client. */
export type AccessTokenRejection =
  | 'malformed'
  | 'unsigned'
  | 'bad-algorithm'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'missing-claim'
  | 'invalid-claim';

/** The outcome of {@link AccessTokenService.verify}. */
export type AccessTokenCheck =
  | { readonly valid: true; readonly claims: AccessClaims }
  | { readonly valid: false; readonly reason: AccessTokenRejection };

export interface AccessTokenOptions {
  /** HS256 key, at least {@link MIN_JWT_SECRET_BYTES} bytes. */
  readonly secret: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Accepted clock skew for `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds: number;
  /** Epoch milliseconds; injectable for tests. */
  readonly clock?: () => number;
}

type UserPrincipal = Extract<Principal, { kind: 'user' }>;

function rejectionOf(error: unknown): AccessTokenRejection {
  if (error instanceof jwt.TokenExpiredError) return 'expired';
  if (error instanceof jwt.NotBeforeError) return 'not-yet-valid';
  const message = error instanceof Error ? error.message : '';
  if (message === 'jwt signature is required') return 'unsigned';
  if (message === 'invalid algorithm') return 'bad-algorithm';
  if (message === 'invalid signature') return 'bad-signature';
  if (message.startsWith('jwt issuer invalid')) return 'wrong-issuer';
  if (message.startsWith('jwt audience invalid')) return 'wrong-audience';
  if (/^invalid (exp|nbf) value$/.test(message)) return 'invalid-claim';
  return 'malformed';
}

/**
 * Short-lived, stateless HS256 access tokens. They are not looked up on use, so they stay valid until `exp` even
 * after logout or a password change: keep the TTL short (15 minutes by default); refresh tokens are the revocable
 * part of a session. What a token grants is still decided per request from the database (the user must exist; the
 * role is the stored one).
 */
export class AccessTokenService {
  readonly ttlSeconds: number;
  private readonly key: KeyObject;
  private readonly clock: () => number;

  constructor(private readonly options: AccessTokenOptions) {
    if (Buffer.byteLength(options.secret, 'utf8') < MIN_JWT_SECRET_BYTES) {
      throw new Error(`the JWT secret must be at least ${MIN_JWT_SECRET_BYTES} bytes`);
    }
    // A secret KeyObject, not a string: jsonwebtoken would otherwise first try to read the string as a public key.
    this.key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    this.ttlSeconds = options.ttlSeconds;
    this.clock = options.clock ?? Date.now;
  }

  /** Signs a token for `principal`, issued at `nowMs` and expiring `ttlSeconds` later. */
  issue(principal: UserPrincipal, nowMs: number = this.clock()): string {
    const iat = Math.floor(nowMs / 1000);
    const claims: AccessClaims = {
      sub: principal.id,
      role: principal.role,
      kind: 'user',
      jti: randomUUID(),
      iat,
      exp: iat + this.ttlSeconds,
      iss: this.options.issuer,
      aud: this.options.audience,
    };
    // Every claim is set above; jsonwebtoken keeps our `iat` (it only fills one in when absent).
    return jwt.sign(claims, this.key, { algorithm: 'HS256' });
  }

  /**
   * Checks signature (HS256 only), issuer, audience and times, then the claims jsonwebtoken leaves optional: `exp`,
   * `iat` and `sub` must be present (jsonwebtoken only checks `exp` when there is one), `role` known, `kind` user.
   */
  verify(token: string): AccessTokenCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { valid: false, reason: 'malformed' };
    const now = Math.floor(this.clock() / 1000);
    const tolerance = this.options.clockToleranceSeconds;
    let payload: string | jwt.JwtPayload;
    try {
      payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: tolerance,
        clockTimestamp: now,
      });
    } catch (error) {
      return { valid: false, reason: rejectionOf(error) };
    }
    if (typeof payload === 'string') return { valid: false, reason: 'malformed' };
    const { sub, role, kind, jti, iat, exp, iss, aud } = payload as Record<string, unknown>;
    if (exp === undefined || iat === undefined || sub === undefined || jti === undefined) {
      return { valid: false, reason: 'missing-claim' };
    }
    if (typeof exp !== 'number' || typeof iat !== 'number' || iat > now + tolerance) {
      return { valid: false, reason: 'invalid-claim' };
    }
    if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string')
      return { valid: false, reason: 'invalid-claim' };
    if (!isRole(role) || kind !== 'user' || typeof iss !== 'string' || typeof aud !== 'string') {
      return { valid: false, reason: 'invalid-claim' };
    }
    return { valid: true, claims: { sub, role, kind, jti, iat, exp, iss, aud } };
  }
}
