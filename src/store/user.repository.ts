import { randomUUID } from 'node:crypto';
import type { CreateUserResult, NewUser, UserRecord, UserStore } from '../auth/account-store';
import type { Role } from '../auth/role';
import type { Database } from './database';
import { isUniqueViolation, roleFromRow } from './rows';

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  created_at: number;
  created_by: string | null;
}

const COLUMNS = 'id, username, password_hash, role, created_at, created_by';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    role: roleFromRow(row.role),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** The `users` table. Usernames are unique and looked up case-insensitively (`COLLATE NOCASE`). */
export class UserRepository implements UserStore {
  private readonly insertStmt;
  private readonly byUsername;
  private readonly byId;
  private readonly deleteStmt;
  private readonly all;
  private readonly countAll;
  private readonly countRole;
  private readonly setRole;

  constructor(db: Database) {
    this.insertStmt = db.prepare<[string, string, string, string, number, string | null]>(
      `INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.byUsername = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
    this.byId = db.prepare<[string], UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.deleteStmt = db.prepare<[string]>('DELETE FROM users WHERE username = ?');
    this.all = db.prepare<[], UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY username`);
    this.countAll = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
    this.countRole = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM users WHERE role = ?');
    this.setRole = db.prepare<[string, string]>('UPDATE users SET role = ? WHERE id = ?');
  }

  /** Inserts a user with a fresh random UUID. A taken username is a result, not an exception. */
  create(user: NewUser): CreateUserResult {
    const record: UserRecord = { id: randomUUID(), ...user };
    try {
      this.insertStmt.run(
        record.id,
        record.username,
        record.passwordHash,
        record.role,
        record.createdAt,
        record.createdBy,
      );
    } catch (error) {
      if (isUniqueViolation(error)) return { status: 'duplicate' };
      throw error;
    }
    return { status: 'created', user: record };
  }

  findByUsername(username: string): UserRecord | undefined {
    const row = this.byUsername.get(username);
    return row === undefined ? undefined : toRecord(row);
  }

  findById(id: string): UserRecord | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Deletes the user (and, by cascade, their refresh tokens). `false` when there was no such user. */
  delete(username: string): boolean {
    return this.deleteStmt.run(username).changes === 1;
  }

  /** Every user, by username. */
  list(): UserRecord[] {
    return this.all.all().map(toRecord);
  }

  count(): number {
    return this.countAll.get()?.n ?? 0;
  }

  countByRole(role: Role): number {
    return this.countRole.get(role)?.n ?? 0;
  }

  /** Changes a user's role; `false` when there was no such user. Takes effect on the user's next request. */
  updateRole(id: string, role: Role): boolean {
    return this.setRole.run(role, id).changes === 1;
  }
}
