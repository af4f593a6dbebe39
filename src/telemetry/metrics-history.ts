/** One served request, as the per-minute history keeps it. */
export interface RequestRecord {
  readonly model: string;
  readonly version: number;
  readonly operation: string;
  readonly at: number;
  readonly failed: boolean;
  readonly samples: number;
  readonly seconds: number;
}

/** One minute of one model version and operation. */
export interface MetricsBucket {
  /** Start of the minute (epoch ms). */
  readonly minute: number;
  readonly version: number;
  readonly operation: string;
  readonly requests: number;
  readonly errors: number;
  readonly samples: number;
  readonly durationSum: number;
  readonly durationMax: number;
}

/**
 * Where the gateway keeps a rolling per-minute history of its model traffic (the embedded store in production), so
 * that a single machine keeps its numbers without a Prometheus.
 */
export interface MetricsHistory {
  record(entry: RequestRecord): void;
  /** Buckets of a model since `since` (epoch ms), oldest first; optionally one version only. */
  list(model: string, since: number, version?: number): MetricsBucket[];
}
