import type { ComparisonKind, ComparisonSample } from '../traffic/output-comparison';
import type { Database } from './database';

/** Accumulated totals of one comparison pair; times are epoch ms. */
export interface ModelComparisonRecord extends ComparisonSample {
  readonly updatedAt: number;
}

/** Shadow and canary comparisons as running sums per (model, kind, candidate, baseline): one upsert per request. */
export class ModelComparisonRepository {
  constructor(private readonly db: Database) {}

  add(sample: ComparisonSample, at: number): void {
    this.db
      .prepare(
        `INSERT INTO model_comparisons (model, kind, candidate_version, baseline_version, requests, samples, agreed,
           values_compared, abs_difference_sum, candidate_ms_sum, baseline_ms_sum, failures, updated_at)
         VALUES (@model, @kind, @candidateVersion, @baselineVersion, @requests, @samples, @agreed, @valuesCompared,
           @absDifferenceSum, @candidateMs, @baselineMs, @failures, @at)
         ON CONFLICT (model, kind, candidate_version, baseline_version) DO UPDATE SET
           requests = requests + excluded.requests, samples = samples + excluded.samples,
           agreed = agreed + excluded.agreed, values_compared = values_compared + excluded.values_compared,
           abs_difference_sum = abs_difference_sum + excluded.abs_difference_sum,
           candidate_ms_sum = candidate_ms_sum + excluded.candidate_ms_sum,
           baseline_ms_sum = baseline_ms_sum + excluded.baseline_ms_sum,
           failures = failures + excluded.failures, updated_at = excluded.updated_at`,
      )
      .run({ ...sample, at });
  }

  list(model: string): ModelComparisonRecord[] {
    return this.db
      .prepare(
        `SELECT model, kind, candidate_version AS candidateVersion, baseline_version AS baselineVersion, requests,
             samples, agreed, values_compared AS valuesCompared, abs_difference_sum AS absDifferenceSum,
             candidate_ms_sum AS candidateMs, baseline_ms_sum AS baselineMs, failures, updated_at AS updatedAt
           FROM model_comparisons WHERE model = ? ORDER BY updated_at DESC, kind, candidate_version, baseline_version`,
      )
      .all(model) as (ModelComparisonRecord & { kind: ComparisonKind })[];
  }
}
