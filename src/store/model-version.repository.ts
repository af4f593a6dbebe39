import type { CatalogueEntry, IntendedState } from '../registry/version-catalogue';
import type { Database } from './database';

/** A row of `model_versions`; times are epoch ms. */
export interface ModelVersionRecord {
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly registeredAt: number;
  readonly registeredBy: string;
}

/** Every version the registry has accepted, with its checksum and who registered it. */
export class ModelVersionRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the version unless it is already there; returns the stored row either way (the first one wins). */
  recordIfAbsent(entry: CatalogueEntry, at: number): ModelVersionRecord {
    this.db
      .prepare(
        `INSERT INTO model_versions (model, version, sha256, size_bytes, registered_at, registered_by, intended_state)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, version) DO NOTHING`,
      )
      .run(entry.model, entry.version, entry.sha256, entry.sizeBytes, at, entry.actor, entry.intended ?? null);
    return this.db
      .prepare(
        `SELECT sha256, size_bytes AS sizeBytes, registered_at AS registeredAt, registered_by AS registeredBy
         FROM model_versions WHERE model = ? AND version = ?`,
      )
      .get(entry.model, entry.version) as ModelVersionRecord;
  }

  /** The state an operator asked the version to be in; `null` if never asked or the version is unknown. */
  intendedState(model: string, version: number): IntendedState | null {
    const row = this.db
      .prepare('SELECT intended_state AS intended FROM model_versions WHERE model = ? AND version = ?')
      .get(model, version) as { intended: IntendedState | null } | undefined;
    return row?.intended ?? null;
  }

  setIntendedState(model: string, version: number, intended: IntendedState): void {
    this.db
      .prepare('UPDATE model_versions SET intended_state = ? WHERE model = ? AND version = ?')
      .run(intended, model, version);
  }
}
