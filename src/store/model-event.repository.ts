import type { Database } from './database';

/** One entry of the audit trail of model lifecycle changes. Times are epoch ms. */
export interface ModelEventRecord {
  readonly id: number;
  readonly at: number;
  /** Who asked: `user:<name>`, `apiKey:<name>`, or `system` for what the gateway does by itself (boot loads). */
  readonly actor: string;
  readonly model: string;
  readonly version: number | null;
  /** What happened, e.g. `model.load`, `model.unload`. */
  readonly event: string;
  /** The outcome, e.g. `READY`, `UNLOADED`, `FAILED`. */
  readonly result: string;
  readonly detail: string | null;
}

export type NewModelEvent = Omit<ModelEventRecord, 'id'>;

interface ModelEventRow {
  id: number;
  at: number;
  actor: string;
  model: string;
  version: number | null;
  event: string;
  result: string;
  detail: string | null;
}

/** The append-only audit trail of model lifecycle changes. */
export class ModelEventRepository {
  constructor(private readonly db: Database) {}

  append(event: NewModelEvent): ModelEventRecord {
    const info = this.db
      .prepare(
        'INSERT INTO model_events (at, actor, model, version, event, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(event.at, event.actor, event.model, event.version, event.event, event.result, event.detail);
    return { id: Number(info.lastInsertRowid), ...event };
  }

  /** The newest `limit` events of a model, newest first. */
  listForModel(model: string, limit: number): ModelEventRecord[] {
    return this.db
      .prepare(
        'SELECT id, at, actor, model, version, event, result, detail FROM model_events WHERE model = ? ORDER BY id DESC LIMIT ?',
      )
      .all(model, limit) as ModelEventRow[];
  }
}
