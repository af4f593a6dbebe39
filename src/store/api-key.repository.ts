import { randomUUID } from 'node:crypto';
import type { ApiKeyRecord, ApiKeyStore, NewApiKey } from '../auth/account-store';
import type { Database } from './database';
import { roleFromRow } from './rows';

interface ApiKeyRow {
  id: string;
  name: string;
  role: string;
  created_at: number;
  created_by: string | null;
  owner_user_id: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const COLUMNS = 'id, name, role, created_at, created_by, owner_user_id, expires_at, revoked_at, last_used_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: roleFromRow(row.role),
    createdAt: row.created_at,
    createdBy: row.created_by,
    ownerUserId: row.owner_user_id,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * The `api_keys` table. Keys are 256-bit random values, so a single fast SHA-256 is enough to make the stored hash
 * useless to a thief: there is nothing to brute-force, unlike a password, and a slow hash would only slow every
 * request down.
 */
export class ApiKeyRepository implements ApiKeyStore {
  private readonly insertStmt;
  private readonly activeByHash;
  private readonly byId;
  private readonly revokeStmt;
  private readonly revokeOwnedStmt;
  private readonly all;
  private readonly touchStmt;

  constructor(db: Database) {
    this.insertStmt = db.prepare<[string, string, string, string, number, string | null, string | null, number | null]>(
      `INSERT INTO api_keys (id, name, role, key_hash, created_at, created_by, owner_user_id, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.activeByHash = db.prepare<{ hash: string; now: number }, ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys
       WHERE key_hash = :hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)`,
    );
    this.byId = db.prepare<[string], ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
    this.revokeStmt = db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.revokeOwnedStmt = db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE owner_user_id = ? AND revoked_at IS NULL',
    );
    this.all = db.prepare<[], ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, name`);
    this.touchStmt = db.prepare<{ id: string; now: number; since: number }>(
      'UPDATE api_keys SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at <= :since)',
    );
  }

  /** Inserts a key with a fresh random UUID. */
  create(key: NewApiKey): ApiKeyRecord {
    const id = randomUUID();
    const { name, role, createdAt, createdBy, ownerUserId, expiresAt } = key;
    this.insertStmt.run(id, name, role, key.keyHash, createdAt, createdBy, ownerUserId, expiresAt);
    return { id, name, role, createdAt, createdBy, ownerUserId, expiresAt, revokedAt: null, lastUsedAt: null };
  }

  /** The key with this hash if it is unrevoked and `now` is before its expiry. */
  findActiveByHash(keyHash: string, now: number): ApiKeyRecord | undefined {
    const row = this.activeByHash.get({ hash: keyHash, now });
    return row === undefined ? undefined : toRecord(row);
  }

  findById(id: string): ApiKeyRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Revokes the key; `false` when there is no such key or it was already revoked. */
  revoke(id: string, now: number): boolean {
    return this.revokeStmt.run(now, id).changes === 1;
  }

  /** Revokes every not-yet-revoked key owned by the user; returns how many. */
  revokeOwnedBy(userId: string, now: number): number {
    return this.revokeOwnedStmt.run(now, userId).changes;
  }

  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyRecord[] {
    return this.all.all().map(toRecord);
  }

  /**
   * Records a use. Writes at most once per `minIntervalMs` per key, so that a busy key does not turn every read
   * request into a database write; `last_used_at` is therefore accurate to that interval. `true` when written.
   */
  touch(id: string, now: number, minIntervalMs = 60_000): boolean {
    return this.touchStmt.run({ id, now, since: now - minIntervalMs }).changes === 1;
  }
}
