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
  revoked_at: number | null;
  last_used_at: number | null;
}

const COLUMNS = 'id, name, role, created_at, created_by, revoked_at, last_used_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: roleFromRow(row.role),
    createdAt: row.created_at,
    createdBy: row.created_by,
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
  private readonly all;
  private readonly touchStmt;

  constructor(db: Database) {
    this.insertStmt = db.prepare<[string, string, string, string, number, string | null]>(
      'INSERT INTO api_keys (id, name, role, key_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.activeByHash = db.prepare<[string], ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`,
    );
    this.byId = db.prepare<[string], ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
    this.revokeStmt = db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
    this.all = db.prepare<[], ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, name`);
    this.touchStmt = db.prepare<{ id: string; now: number; since: number }>(
      'UPDATE api_keys SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at <= :since)',
    );
  }

  /** Inserts a key with a fresh random UUID. */
  create(key: NewApiKey): ApiKeyRecord {
    const id = randomUUID();
    this.insertStmt.run(id, key.name, key.role, key.keyHash, key.createdAt, key.createdBy);
    const { name, role, createdAt, createdBy } = key;
    return { id, name, role, createdAt, createdBy, revokedAt: null, lastUsedAt: null };
  }

  /** The unrevoked key with this hash, if any. */
  findActiveByHash(keyHash: string): ApiKeyRecord | undefined {
    const row = this.activeByHash.get(keyHash);
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
