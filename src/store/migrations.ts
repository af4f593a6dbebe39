import type BetterSqlite3 from 'better-sqlite3';

/** One forward-only schema change. Never edit or reorder a released migration: append a new one. */
export interface Migration {
  /** 1, 2, 3...: stored in `PRAGMA user_version` once applied. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema, as the ordered list of changes that builds it. Later issues (model registry, audit, metrics) append
 * here. The role lists in CHECK constraints are spelled out rather than generated from `Role`, because a migration
 * must mean the same thing forever; a new role needs a new migration (a unit test compares them).
 */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    name: 'users, API keys, refresh tokens',
    sql: `
      CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('VIEWER', 'PREDICTOR', 'ADMIN')),
        created_at    INTEGER NOT NULL,
        created_by    TEXT
      ) STRICT;

      CREATE TABLE api_keys (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        role         TEXT NOT NULL CHECK (role IN ('VIEWER', 'PREDICTOR', 'ADMIN')),
        key_hash     TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        created_by   TEXT,
        revoked_at   INTEGER,
        last_used_at INTEGER
      ) STRICT;

      CREATE TABLE refresh_tokens (
        id         TEXT PRIMARY KEY,
        family_id  TEXT NOT NULL,
        user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
      CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
    `,
  },
  {
    version: 2,
    name: 'model lifecycle events (audit trail)',
    sql: `
      CREATE TABLE model_events (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        model   TEXT NOT NULL,
        version INTEGER,
        event   TEXT NOT NULL,
        result  TEXT NOT NULL,
        detail  TEXT
      ) STRICT;
      CREATE INDEX model_events_by_model ON model_events (model, id);
    `,
  },
  {
    version: 3,
    name: 'model aliases and their history',
    sql: `
      CREATE TABLE model_alias_history (
        id      INTEGER PRIMARY KEY,
        model   TEXT NOT NULL,
        alias   TEXT NOT NULL,
        version INTEGER NOT NULL,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX model_alias_history_by_alias ON model_alias_history (model, alias, id);
    `,
  },
  {
    version: 4,
    name: 'model versions, traffic policies, shadow and canary comparisons',
    sql: `
      CREATE TABLE model_versions (
        model         TEXT NOT NULL,
        version       INTEGER NOT NULL,
        sha256        TEXT NOT NULL,
        size_bytes    INTEGER NOT NULL,
        registered_at INTEGER NOT NULL,
        registered_by TEXT NOT NULL,
        PRIMARY KEY (model, version)
      ) STRICT;

      CREATE TABLE model_traffic_policies (
        model          TEXT PRIMARY KEY,
        canary_version INTEGER,
        canary_percent REAL NOT NULL CHECK (canary_percent >= 0 AND canary_percent <= 100),
        shadow_version INTEGER,
        updated_at     INTEGER NOT NULL,
        updated_by     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE model_comparisons (
        model              TEXT NOT NULL,
        kind               TEXT NOT NULL CHECK (kind IN ('SHADOW', 'CANARY')),
        candidate_version  INTEGER NOT NULL,
        baseline_version   INTEGER NOT NULL,
        requests           INTEGER NOT NULL,
        samples            INTEGER NOT NULL,
        agreed             INTEGER NOT NULL,
        values_compared    INTEGER NOT NULL,
        abs_difference_sum REAL NOT NULL,
        candidate_ms_sum   REAL NOT NULL,
        baseline_ms_sum    REAL NOT NULL,
        failures           INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        PRIMARY KEY (model, kind, candidate_version, baseline_version)
      ) STRICT;
    `,
  },
  {
    version: 5,
    name: 'per-minute metrics history of model versions',
    sql: `
      CREATE TABLE model_metrics (
        model        TEXT NOT NULL,
        version      INTEGER NOT NULL,
        operation    TEXT NOT NULL,
        minute       INTEGER NOT NULL,
        requests     INTEGER NOT NULL,
        errors       INTEGER NOT NULL,
        samples      INTEGER NOT NULL,
        duration_sum REAL NOT NULL,
        duration_max REAL NOT NULL,
        PRIMARY KEY (model, version, operation, minute)
      ) STRICT;
      CREATE INDEX model_metrics_by_minute ON model_metrics (minute);
    `,
  },
  {
    version: 6,
    name: 'API key owners and expiry',
    // Existing keys get no expiry. Their owner is read from created_by: the user it names, if that user still exists;
    // for a key created by a key, that key's owner when exactly one key has the name (names are not unique, and an
    // ambiguous guess could revoke someone else's key). Keys left without an owner are revoked by hand.
    sql: `
      ALTER TABLE api_keys ADD COLUMN owner_user_id TEXT;
      ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
      UPDATE api_keys
        SET owner_user_id = (SELECT u.id FROM users u WHERE 'user:' || u.username = api_keys.created_by)
        WHERE created_by LIKE 'user:%';
      UPDATE api_keys
        SET owner_user_id = (SELECT p.owner_user_id FROM api_keys p WHERE 'apiKey:' || p.name = api_keys.created_by)
        WHERE created_by LIKE 'apiKey:%'
          AND (SELECT count(*) FROM api_keys p WHERE 'apiKey:' || p.name = api_keys.created_by) = 1;
      CREATE INDEX api_keys_by_owner ON api_keys (owner_user_id);
    `,
  },
  {
    version: 7,
    name: 'the state an operator wants each model version in',
    // NULL: never asked (a version found on disk, or any version before this migration): boot loads it while the
    // memory budget allows, as before. The memory budget's evictions never write it.
    sql: `
      ALTER TABLE model_versions ADD COLUMN intended_state TEXT
        CHECK (intended_state IS NULL OR intended_state IN ('LOADED', 'UNLOADED'));
    `,
  },
]);

/** Versions must be exactly 1..n so that `user_version` names one schema. */
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`);
    }
  });
}

/**
 * Brings the schema up to the last migration and returns the resulting version. Each step runs in the same
 * `BEGIN IMMEDIATE` transaction as the `user_version` bump, and the version is read inside it, so two processes
 * starting on the same file cannot both apply a step, and a failing step leaves the previous schema intact.
 * @throws Error when the database was written by a newer build (its version is beyond the known migrations).
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  checkOrder(migrations);
  const latest = migrations.length;
  const run = db.transaction((): number => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
    }
    for (const migration of migrations.slice(current)) {
      db.exec(migration.sql);
      // `version` is an integer from our own list, never user input, so interpolating it is safe.
      db.pragma(`user_version = ${migration.version}`);
    }
    return latest;
  });
  return run.immediate();
}
