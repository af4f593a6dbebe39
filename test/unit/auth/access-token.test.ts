import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessTokenService, type AccessTokenOptions } from '../../../src/auth/access-token';
import { Role } from '../../../src/auth/role';
import { FakeClock, payloadOf, SECRET, T0 } from './auth-helpers';

const clock = new FakeClock();
const options: AccessTokenOptions = {
  secret: SECRET,
  issuer: 'infergraph',
  audience: 'infergraph-api',
  ttlSeconds: 900,
  clockToleranceSeconds: 5,
  clock: clock.read,
};
const tokens = new AccessTokenService(options);
const ALICE = { kind: 'user', id: 'user-1', name: 'alice', role: Role.PREDICTOR } as const;
const NOW = Math.floor(T0 / 1000);

/** A complete, valid claim set to start from. */
const claims = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: 'user-1',
  role: 'PREDICTOR',
  kind: 'user',
  jti: 'jti-1',
  iat: NOW,
  exp: NOW + 900,
  iss: 'infergraph',
  aud: 'infergraph-api',
  ...patch,
});
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An HS256 JWT built by hand, so that claims jsonwebtoken would add or refuse can be left out or malformed. */
const handSigned = (
  payload: Record<string, unknown>,
  secret = SECRET,
  header: object = { alg: 'HS256', typ: 'JWT' },
): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const without = (...names: string[]): Record<string, unknown> => {
  const all = claims();
  for (const name of names) delete all[name];
  return all;
};

describe('AccessTokenService', () => {
  beforeEach(() => {
    clock.now = T0;
  });

  it('issues an HS256 JWT with sub, role, kind, jti, iat, exp, iss and aud, and verifies it', () => {
    const token = tokens.issue(ALICE, T0);
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const payload = payloadOf(token);
    expect(payload).toEqual({
      sub: 'user-1',
      role: 'PREDICTOR',
      kind: 'user',
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat: NOW,
      exp: NOW + 900,
      iss: 'infergraph',
      aud: 'infergraph-api',
    });
    expect(tokens.verify(token)).toEqual({ valid: true, claims: payload });
  });

  it('gives every token its own jti', () => {
    expect(payloadOf(tokens.issue(ALICE, T0)).jti).not.toBe(payloadOf(tokens.issue(ALICE, T0)).jti);
  });

  it('accepts a hand-built token with every required claim (the baseline for the rejections below)', () => {
    expect(tokens.verify(handSigned(claims())).valid).toBe(true);
  });

  it('refuses a secret shorter than 32 bytes, counting bytes not characters', () => {
    expect(() => new AccessTokenService({ ...options, secret: 'x'.repeat(31) })).toThrow(/at least 32 bytes/);
    expect(() => new AccessTokenService({ ...options, secret: 'x'.repeat(32) })).not.toThrow();
    expect(() => new AccessTokenService({ ...options, secret: 'é'.repeat(16) })).not.toThrow();
  });

  it('rejects a token without exp, although jsonwebtoken alone would accept it', () => {
    const token = handSigned(without('exp'));
    expect(() => jwt.verify(token, SECRET, { algorithms: ['HS256'] })).not.toThrow();
    expect(tokens.verify(token)).toEqual({ valid: false, reason: 'missing-claim' });
  });

  it('rejects a token without iat, without sub or without jti', () => {
    for (const name of ['iat', 'sub', 'jti'])
      expect(tokens.verify(handSigned(without(name)))).toEqual({ valid: false, reason: 'missing-claim' });
  });

  it('rejects a non-string or empty sub, a non-numeric exp and an iat in the future', () => {
    expect(tokens.verify(handSigned(claims({ sub: 42 })))).toEqual({ valid: false, reason: 'invalid-claim' });
    expect(tokens.verify(handSigned(claims({ sub: '' })))).toEqual({ valid: false, reason: 'invalid-claim' });
    expect(tokens.verify(handSigned(claims({ exp: String(NOW + 900) })))).toEqual({
      valid: false,
      reason: 'invalid-claim',
    });
    expect(tokens.verify(handSigned(claims({ iat: NOW + 60 })))).toEqual({ valid: false, reason: 'invalid-claim' });
  });

  it('rejects an unknown role and a kind other than user', () => {
    expect(tokens.verify(handSigned(claims({ role: 'SUPERUSER' })))).toEqual({ valid: false, reason: 'invalid-claim' });
    expect(tokens.verify(handSigned(claims({ role: 'admin' })))).toEqual({ valid: false, reason: 'invalid-claim' });
    expect(tokens.verify(handSigned(claims({ kind: 'apiKey' })))).toEqual({ valid: false, reason: 'invalid-claim' });
  });

  it('rejects an unsigned alg:none token', () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims({ role: 'ADMIN' }))}.`;
    expect(tokens.verify(unsigned)).toEqual({ valid: false, reason: 'unsigned' });
    const noneWithSignature = `${b64({ alg: 'none' })}.${b64(claims())}.${tokens.issue(ALICE).split('.')[2]}`;
    expect(tokens.verify(noneWithSignature)).toEqual({ valid: false, reason: 'bad-algorithm' });
  });

  it('rejects a token signed with another key', () => {
    const other = handSigned(claims(), 'another-secret-of-more-than-32-bytes!!');
    expect(tokens.verify(other)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('rejects a tampered payload that keeps the original signature', () => {
    const [header, , signature] = tokens.issue(ALICE, T0).split('.');
    const forged = `${header}.${b64({ ...claims(), role: 'ADMIN' })}.${signature}`;
    expect(tokens.verify(forged)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('rejects HS512 and RS256 tokens: only HS256 is accepted', () => {
    const hs512 = jwt.sign(claims(), SECRET, { algorithm: 'HS512' });
    expect(tokens.verify(hs512)).toEqual({ valid: false, reason: 'bad-algorithm' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = jwt.sign(claims(), privateKey, { algorithm: 'RS256' });
    expect(tokens.verify(rs256)).toEqual({ valid: false, reason: 'bad-algorithm' });
  });

  it('accepts a token expired by less than the clock tolerance and rejects one beyond it', () => {
    const token = tokens.issue(ALICE, T0);
    clock.now = T0 + (900 + 4) * 1000;
    expect(tokens.verify(token).valid).toBe(true);
    clock.now = T0 + (900 + 5) * 1000;
    expect(tokens.verify(token)).toEqual({ valid: false, reason: 'expired' });
  });

  it('rejects a token whose nbf is in the future', () => {
    expect(tokens.verify(handSigned(claims({ nbf: NOW + 60 })))).toEqual({ valid: false, reason: 'not-yet-valid' });
  });

  it('rejects a wrong or missing issuer', () => {
    expect(tokens.verify(handSigned(claims({ iss: 'someone-else' })))).toEqual({
      valid: false,
      reason: 'wrong-issuer',
    });
    expect(tokens.verify(handSigned(without('iss')))).toEqual({ valid: false, reason: 'wrong-issuer' });
  });

  it('rejects a wrong or missing audience', () => {
    expect(tokens.verify(handSigned(claims({ aud: 'another-api' })))).toEqual({
      valid: false,
      reason: 'wrong-audience',
    });
    expect(tokens.verify(handSigned(without('aud')))).toEqual({ valid: false, reason: 'wrong-audience' });
  });

  it('rejects garbage, oversized input and a correctly signed non-JSON payload as malformed', () => {
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from('not json').toString('base64url')}`;
    const signedText = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    for (const token of ['', 'abc', 'a.b.c', 'x'.repeat(5000), signedText]) {
      expect(tokens.verify(token)).toEqual({ valid: false, reason: 'malformed' });
    }
  });
});
