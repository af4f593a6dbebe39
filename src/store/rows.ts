import { isRole, type Role } from '../auth/role';

/**
 * A role read back from the database. The CHECK constraint makes anything else impossible short of editing the file
 * by hand, so this is an internal error rather than something to recover from.
 */
export function roleFromRow(value: string): Role {
  if (!isRole(value)) throw new Error(`database holds an unknown role: ${JSON.stringify(value)}`);
  return value;
}

/**
 * Whether an error is SQLite refusing a duplicate in a UNIQUE column. Checked by `code` rather than with
 * `instanceof SqliteError`: the native addon keeps the error class of whichever copy of the module loaded it first,
 * which is not always ours (jest gives each test file its own module registry, for one).
 */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
