import type { MetricsBucket, RequestRecord } from '../telemetry/metrics-history';
import type { Database, Statement } from './database';

const MINUTE = 60_000;

/** Per-minute sums per (model, version, operation): one upsert per request, old minutes pruned. */
export class ModelMetricsRepository {
  /** Prepared on first use and kept: preparing it for every request cost more than running it. */
  private upsert: Statement | undefined;

  constructor(private readonly db: Database) {}

  add(entry: RequestRecord): void {
    this.upsert ??= this.db.prepare(
      `INSERT INTO model_metrics (model, version, operation, minute, requests, errors, samples, duration_sum, duration_max)
       VALUES (@model, @version, @operation, @minute, 1, @errors, @samples, @seconds, @seconds)
       ON CONFLICT (model, version, operation, minute) DO UPDATE SET requests = requests + 1,
         errors = errors + excluded.errors, samples = samples + excluded.samples,
         duration_sum = duration_sum + excluded.duration_sum, duration_max = MAX(duration_max, excluded.duration_max)`,
    );
    this.upsert.run({ ...entry, minute: Math.floor(entry.at / MINUTE) * MINUTE, errors: entry.failed ? 1 : 0 });
  }

  list(model: string, since: number, version?: number): MetricsBucket[] {
    return this.db
      .prepare(
        `SELECT minute, version, operation, requests, errors, samples, duration_sum AS durationSum, duration_max AS durationMax
         FROM model_metrics WHERE model = ? AND minute >= ? AND (? IS NULL OR version = ?)
         ORDER BY minute, version, operation`,
      )
      .all(model, Math.floor(since / MINUTE) * MINUTE, version ?? null, version ?? null) as MetricsBucket[];
  }

  /** Drops minutes before `before` (epoch ms); returns how many rows went. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM model_metrics WHERE minute < ?').run(before).changes;
  }
}
