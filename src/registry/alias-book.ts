/** The alias `predict` uses when a request names no version. */
export const PRODUCTION_ALIAS = 'production';

/** Aliases are lowercase words: they appear in URLs, logs and dashboards. */
export const ALIAS_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Named pointers to model versions, with their history (promote pushes, rollback pops). Persistent in production
 * (the embedded store), so aliases survive restarts.
 */
export interface AliasBook {
  current(model: string, alias: string): number | undefined;
  previous(model: string, alias: string): number | undefined;
  list(model: string): { readonly alias: string; readonly version: number }[];
  push(model: string, alias: string, version: number, actor: string): void;
  /** Drops the current version; returns the one named afterwards (undefined, and no change, if none). */
  pop(model: string, alias: string): number | undefined;
}
