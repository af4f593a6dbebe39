import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { migrate } from './migrations';

/** An open, migrated SQLite connection. Only `src/store/` sees this type. */
export type Database = BetterSqlite3.Database;
/** A prepared statement, kept by repositories that run one per request. */
export type Statement = BetterSqlite3.Statement;

/** Name of the database file inside the data folder. */
export const DATABASE_FILE = 'infergraph.db';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

function configure(db: Database, onDisk: boolean): void {
  if (onDisk) {
    // WAL lets readers proceed while one writer commits; NORMAL is durable enough in WAL mode (a power cut may lose
    // the last transactions, never corrupt the file).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Foreign keys are off by default in SQLite; refresh tokens rely on ON DELETE CASCADE.
  db.pragma('foreign_keys = ON');
  // Deleted rows (password hashes, token hashes) are overwritten instead of lingering in free pages.
  db.pragma('secure_delete = ON');
  if (db.pragma('foreign_keys', { simple: true }) !== 1) throw new Error('SQLite refused to enable foreign keys');
}

function migrated(db: Database, onDisk: boolean): Database {
  try {
    configure(db, onDisk);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Opens (creating if needed) `<dataDir>/infergraph.db` and migrates it.
 *
 * A folder created here gets mode 0o700 and the file 0o600: they hold password and token hashes. An existing folder
 * keeps its mode, since it may be a volume whose permissions the operator manages.
 */
export function openDatabase(dataDir: string): Database {
  const created = mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // `mode` is filtered by the umask; chmod states the intent whatever the umask is.
  if (created !== undefined) chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, DATABASE_FILE);
  // Create the file ourselves so that it is never world-readable, not even for a moment; SQLite gives the -wal and
  // -shm files the same mode as the main file.
  closeSync(openSync(file, 'a', 0o600));
  return migrated(new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS }), true);
}

/** A private, migrated in-memory database, gone when closed: for tests. */
export function openInMemoryDatabase(): Database {
  return migrated(new BetterSqlite3(':memory:'), false);
}
