import type { VersionCatalogue } from '../registry/version-catalogue';
import type { ComparisonLedger } from '../traffic/output-comparison';
import type { TrafficPolicyBook } from '../traffic/traffic-policy';
import type { MetricsHistory } from '../telemetry/metrics-history';
import type { ModelComparisonRepository } from './model-comparison.repository';
import type { ModelMetricsRepository } from './model-metrics.repository';
import type { ModelVersionRepository } from './model-version.repository';
import type { TrafficPolicyRepository } from './traffic-policy.repository';

/** The registry's catalogue of versions, kept in the embedded database. */
export function storeVersionCatalogue(
  versions: ModelVersionRepository,
  clock: () => number = Date.now,
): VersionCatalogue {
  return {
    record(entry) {
      const row = versions.recordIfAbsent(entry, clock());
      return { registeredAt: new Date(row.registeredAt), registeredBy: row.registeredBy };
    },
    intendedState: (model, version) => versions.intendedState(model, version),
    setIntendedState: (model, version, intended) => versions.setIntendedState(model, version, intended),
  };
}

/** Traffic policies, kept in the embedded database. */
export function storeTrafficPolicyBook(
  policies: TrafficPolicyRepository,
  clock: () => number = Date.now,
): TrafficPolicyBook {
  return {
    get: (model) => policies.get(model),
    set: (model, policy, actor) => policies.set(model, policy, clock(), actor),
  };
}

/** Shadow and canary comparisons, kept in the embedded database. */
export function storeComparisonLedger(
  comparisons: ModelComparisonRepository,
  clock: () => number = Date.now,
): ComparisonLedger {
  return {
    add: (sample) => comparisons.add(sample, clock()),
    list: (model) => comparisons.list(model).map((row) => ({ ...row, updatedAt: new Date(row.updatedAt) })),
  };
}

/** The per-minute metrics history, kept in the embedded database for `retentionMs` (pruned at most once a minute). */
export function storeMetricsHistory(
  metrics: ModelMetricsRepository,
  retentionMs: number,
  clock: () => number = Date.now,
): MetricsHistory {
  let prunedAt = 0;
  return {
    record(entry) {
      metrics.add(entry);
      const now = clock();
      if (now - prunedAt >= 60_000) {
        prunedAt = now;
        metrics.prune(now - retentionMs);
      }
    },
    list: (model, since, version) => metrics.list(model, since, version),
  };
}
