import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Role } from '../../../src/auth/role';
import { DATABASE_FILE, openDatabase, openInMemoryDatabase } from '../../../src/store/database';
import { migrate, MIGRATIONS, type Migration } from '../../../src/store/migrations';

const tables = (db: BetterSqlite3.Database): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);

describe('openDatabase', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'infergraph-store-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the data folder with mode 0700 and the database file with mode 0600', () => {
    // With umask 0 SQLite alone would create a 0644 file: the modes below are the code's doing, not the umask's.
    const dataDir = path.join(root, 'nested', 'data');
    const previous = process.umask(0o000);
    try {
      openDatabase(dataDir).close();
    } finally {
      process.umask(previous);
    }
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, DATABASE_FILE)).mode & 0o777).toBe(0o600);
  });

  it('uses WAL, enforces foreign keys and waits on a busy lock', () => {
    const db = openDatabase(root);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    } finally {
      db.close();
    }
  });

  it('migrates once: opening the same file twice keeps schema and data', () => {
    const first = openDatabase(root);
    expect(first.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tables(first)).toEqual([
      'api_keys',
      'model_alias_history',
      'model_comparisons',
      'model_events',
      'model_metrics',
      'model_traffic_policies',
      'model_versions',
      'refresh_tokens',
      'users',
    ]);
    first
      .prepare(
        "INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('u1', 'alice', 'h', 'VIEWER', 1)",
      )
      .run();
    first.close();
    const second = openDatabase(root);
    try {
      expect(second.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(second.prepare('SELECT username FROM users').all()).toEqual([{ username: 'alice' }]);
    } finally {
      second.close();
    }
  });

  it('refuses a database written by a newer build', () => {
    const db = openDatabase(root);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(root)).toThrow(/newer than this build supports/);
  });
});

describe('migrate', () => {
  const step = (version: number, sql: string): Migration => ({ version, name: `step ${version}`, sql });

  it('applies only the migrations after user_version, in order', () => {
    const db = new BetterSqlite3(':memory:');
    expect(migrate(db, [step(1, 'CREATE TABLE a (x INTEGER)')])).toBe(1);
    expect(migrate(db, [step(1, 'CREATE TABLE a (x INTEGER)'), step(2, 'CREATE TABLE b (y INTEGER)')])).toBe(2);
    expect(tables(db)).toEqual(['a', 'b']);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('rolls a failing migration back entirely, version included', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [step(1, 'CREATE TABLE a (x INTEGER)')]);
    const broken = [
      step(1, 'CREATE TABLE a (x INTEGER)'),
      step(2, 'CREATE TABLE b (y INTEGER); CREATE TABLE a (z INTEGER)'),
    ];
    expect(() => migrate(db, broken)).toThrow(/already exists/);
    expect(tables(db)).toEqual(['a']);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('refuses a list whose versions are not 1..n', () => {
    const db = new BetterSqlite3(':memory:');
    expect(() => migrate(db, [step(1, 'SELECT 1'), step(3, 'SELECT 1')])).toThrow(/expected 2/);
    db.close();
  });

  it('lets the role CHECK constraints accept exactly the Role values', () => {
    const db = openInMemoryDatabase();
    const insertUser = db.prepare<[string, string, string]>(
      "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, 'h', ?, 1)",
    );
    const insertKey = db.prepare<[string, string, string]>(
      "INSERT INTO api_keys (id, name, role, key_hash, created_at) VALUES (?, 'k', ?, ?, 1)",
    );
    for (const role of Object.values(Role)) {
      expect(() => insertUser.run(`id-${role}`, `user-${role}`, role)).not.toThrow();
      expect(() => insertKey.run(`key-${role}`, role, `hash-${role}`)).not.toThrow();
    }
    expect(() => insertUser.run('id-x', 'user-x', 'ROOT')).toThrow(/CHECK constraint/);
    expect(() => insertKey.run('key-x', 'admin', 'hash-x')).toThrow(/CHECK constraint/);
    db.close();
  });
});
