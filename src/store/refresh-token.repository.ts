import { randomUUID } from 'node:crypto';
import type { NewRefreshToken, RefreshTokenRecord, RefreshTokenStore } from '../auth/account-store';
import type { Database } from './database';

interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

function toRecord(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    familyId: row.family_id,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * The `refresh_tokens` table. Tokens are 256-bit random values, so a fast SHA-256 is the right hash: there is
 * nothing to brute-force, and a stolen table yields no usable token.
 *
 * Every method is one SQL statement, hence atomic on its own; rotation combines several of them inside
 * `Store.transaction`. {@link markUsed} is the guard against two concurrent refreshes with one token: its UPDATE only
 * matches an unused, unrevoked row, and only the caller that changed the row wins.
 */
export class RefreshTokenRepository implements RefreshTokenStore {
  private readonly insertStmt;
  private readonly byHash;
  private readonly markUsedStmt;
  private readonly revokeFamilyStmt;
  private readonly revokeUserStmt;
  private readonly deleteExpiredStmt;

  constructor(db: Database) {
    this.insertStmt = db.prepare<[string, string, string, string, number, number]>(
      'INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.byHash = db.prepare<[string], RefreshTokenRow>(
      'SELECT id, family_id, user_id, created_at, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?',
    );
    this.markUsedStmt = db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
    );
    this.revokeFamilyStmt = db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
    );
    this.revokeUserStmt = db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
    );
    this.deleteExpiredStmt = db.prepare<[number]>('DELETE FROM refresh_tokens WHERE expires_at <= ?');
  }

  /** Stores a new token (by hash) with a fresh random UUID. */
  insert(token: NewRefreshToken): RefreshTokenRecord {
    const id = randomUUID();
    this.insertStmt.run(id, token.familyId, token.userId, token.tokenHash, token.createdAt, token.expiresAt);
    const { familyId, userId, createdAt, expiresAt } = token;
    return { id, familyId, userId, createdAt, expiresAt, usedAt: null, revokedAt: null };
  }

  findByHash(tokenHash: string): RefreshTokenRecord | undefined {
    const row = this.byHash.get(tokenHash);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Marks the token used if, and only if, it is still unused and unrevoked; `true` for the one caller that did. */
  markUsed(id: string, now: number): boolean {
    return this.markUsedStmt.run(now, id).changes === 1;
  }

  /** Revokes every not-yet-revoked token of a family; returns how many. */
  revokeFamily(familyId: string, now: number): number {
    return this.revokeFamilyStmt.run(now, familyId).changes;
  }

  /** Revokes every not-yet-revoked token of a user, in all families; returns how many. */
  revokeAllForUser(userId: string, now: number): number {
    return this.revokeUserStmt.run(now, userId).changes;
  }

  /**
   * Deletes tokens whose expiry has passed; returns how many. An expired token is refused anyway, so forgetting it
   * loses nothing, not even replay detection that matters: its descendants carry their own, later expiry.
   */
  deleteExpired(now: number): number {
    return this.deleteExpiredStmt.run(now).changes;
  }
}
