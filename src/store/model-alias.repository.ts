import type { Database } from './database';

/** An alias and the version it names now. */
export interface AliasRecord {
  readonly alias: string;
  readonly version: number;
}

/**
 * Aliases as stacks: promoting pushes a version, rolling back pops it, and an alias names the version on top.
 * Keeping only the history (no separate "current" table) means the two can never disagree.
 */
export class ModelAliasRepository {
  constructor(private readonly db: Database) {}

  /** Every alias of a model with its current version, by alias name. */
  list(model: string): AliasRecord[] {
    return this.db
      .prepare(
        `SELECT alias, version FROM model_alias_history h
         WHERE model = ? AND id = (SELECT MAX(id) FROM model_alias_history WHERE model = h.model AND alias = h.alias)
         ORDER BY alias`,
      )
      .all(model) as AliasRecord[];
  }

  current(model: string, alias: string): number | undefined {
    const row = this.db
      .prepare('SELECT version FROM model_alias_history WHERE model = ? AND alias = ? ORDER BY id DESC LIMIT 1')
      .get(model, alias) as { version: number } | undefined;
    return row?.version;
  }

  /** The version the alias named before its current one, if any (what a rollback would go back to). */
  previous(model: string, alias: string): number | undefined {
    const row = this.db
      .prepare(
        'SELECT version FROM model_alias_history WHERE model = ? AND alias = ? ORDER BY id DESC LIMIT 1 OFFSET 1',
      )
      .get(model, alias) as { version: number } | undefined;
    return row?.version;
  }

  push(model: string, alias: string, version: number, at: number, actor: string): void {
    this.db
      .prepare('INSERT INTO model_alias_history (model, alias, version, at, actor) VALUES (?, ?, ?, ?, ?)')
      .run(model, alias, version, at, actor);
  }

  /**
   * Removes the top entry and returns the version the alias names afterwards, or `undefined` (and changes
   * nothing) when there is no earlier version to go back to.
   */
  pop(model: string, alias: string): number | undefined {
    const run = this.db.transaction((): number | undefined => {
      const top = this.db
        .prepare('SELECT id, version FROM model_alias_history WHERE model = ? AND alias = ? ORDER BY id DESC LIMIT 2')
        .all(model, alias) as { id: number; version: number }[];
      const [current, previous] = top;
      if (current === undefined || previous === undefined) return undefined;
      this.db.prepare('DELETE FROM model_alias_history WHERE id = ?').run(current.id);
      return previous.version;
    });
    return run.immediate();
  }
}
