import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** A loaded or unloaded version, as the metrics read it at scrape time. */
export interface VersionSnapshot {
  readonly version: number;
  readonly state: { readonly status: string };
  readonly residentBytes: number | null;
  readonly activeRequests: number;
  /** What its requests send (`signal`, `image`, `text`, `tensor`), from its manifest. */
  readonly manifest: { readonly input: { readonly kind: string } };
}

/** A version's drift, as the metrics read it at scrape time. */
export interface DriftSnapshot {
  readonly model: string;
  readonly version: number;
  readonly driftScore: number | null;
  readonly psi: readonly { readonly statistic: string; readonly value: number | null }[];
}

/** What the scrape-time gauges read: the models and versions, the mirror's drop count, and drift. */
export interface MetricsSources {
  readonly models: () => readonly { readonly name: string; readonly versions: readonly VersionSnapshot[] }[];
  readonly mirrorDropped: () => number;
  readonly drift: () => readonly DriftSnapshot[];
}

/** Seconds: from a 2 ms upload to a 30 s batch. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

const MODEL_LABELS = ['model', 'version'] as const;

/**
 * Every Prometheus metric the gateway exports, registered on one registry (built by the composition root, never the
 * global default). Label values are bounded: operations are the schema's root fields, models and versions exist in the
 * registry, codes come from the closed `ErrorCode` enum.
 */
export class GatewayMetrics {
  readonly requests: Counter<'operation' | 'model' | 'version'>;
  readonly errors: Counter<'operation' | 'model' | 'version' | 'code'>;
  readonly requestDuration: Histogram<'operation' | 'model' | 'version'>;
  readonly uploadDuration: Histogram<'model' | 'version'>;
  readonly ingestDuration: Histogram<'model' | 'version' | 'format'>;
  readonly ingestStageDuration: Histogram<'stage' | 'model' | 'version'>;
  readonly queueWait: Histogram<'model' | 'version'>;
  readonly batchWait: Histogram<'model' | 'version'>;
  readonly inferenceDuration: Histogram<'model' | 'version'>;
  readonly batchSize: Histogram<'model' | 'version'>;
  readonly samples: Counter<'model' | 'version'>;

  constructor(
    readonly registry: Registry,
    sources: MetricsSources,
  ) {
    const registers = [registry];
    const histogram = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      buckets = LATENCY_BUCKETS,
    ) => new Histogram<L>({ name, help, labelNames, buckets, registers });
    this.requests = new Counter({
      name: 'infergraph_graphql_requests_total',
      help: 'GraphQL operations served, by root field and model version.',
      labelNames: ['operation', ...MODEL_LABELS],
      registers,
    });
    this.errors = new Counter({
      name: 'infergraph_graphql_errors_total',
      help: 'Errors returned, by root field, model version and extensions.code.',
      labelNames: ['operation', ...MODEL_LABELS, 'code'],
      registers,
    });
    this.requestDuration = histogram(
      'infergraph_graphql_request_duration_seconds',
      'End-to-end time of a GraphQL operation, upload included.',
      ['operation', ...MODEL_LABELS],
    );
    this.uploadDuration = histogram(
      'infergraph_upload_duration_seconds',
      'Time to receive an uploaded batch.',
      MODEL_LABELS,
    );
    this.ingestDuration = histogram(
      'infergraph_ingest_duration_seconds',
      'Time to turn an upload into a batch (XML: guard, parse, XSD validation, values; NPY: header and data).',
      [...MODEL_LABELS, 'format'],
    );
    this.ingestStageDuration = histogram(
      'infergraph_ingest_stage_duration_seconds',
      'Time of each ingest step: xml.parse, xml.validate, xml.values, npy.decode.',
      ['stage', ...MODEL_LABELS],
    );
    this.queueWait = histogram(
      'infergraph_queue_wait_seconds',
      'Time a request waits for its model version to take it.',
      MODEL_LABELS,
    );
    this.batchWait = histogram(
      'infergraph_batch_wait_seconds',
      'Time a request waits in the dynamic batcher before its first samples run.',
      MODEL_LABELS,
    );
    this.inferenceDuration = histogram(
      'infergraph_inference_duration_seconds',
      'Time of one ONNX Runtime run.',
      MODEL_LABELS,
    );
    this.batchSize = histogram('infergraph_batch_size', 'Samples per ONNX Runtime run.', MODEL_LABELS, BATCH_BUCKETS);
    this.samples = new Counter({
      name: 'infergraph_samples_total',
      help: 'Samples predicted.',
      labelNames: MODEL_LABELS,
      registers,
    });
    this.scrapeTimeGauges(sources);
    collectDefaultMetrics({ register: registry });
  }

  private scrapeTimeGauges(sources: MetricsSources): void {
    const registers = [this.registry];
    const perVersion = (name: string, help: string, value: (v: VersionSnapshot) => number) =>
      new Gauge({
        name,
        help,
        labelNames: MODEL_LABELS,
        registers,
        collect(): void {
          this.reset();
          for (const model of sources.models()) {
            for (const v of model.versions) this.set({ model: model.name, version: String(v.version) }, value(v));
          }
        },
      });
    // The kind as an info metric rather than a label on every series: it is fixed per version, and a join
    // (`* on(model, version) group_left(kind) infergraph_model_info`) adds it to any query that wants it.
    new Gauge({
      name: 'infergraph_model_info',
      help: 'Always 1, one series per model version, labelled with what its requests send (its input kind).',
      labelNames: [...MODEL_LABELS, 'kind'],
      registers,
      collect(): void {
        this.reset();
        for (const model of sources.models())
          for (const v of model.versions)
            this.set({ model: model.name, version: String(v.version), kind: v.manifest.input.kind }, 1);
      },
    });
    perVersion(
      'infergraph_queue_depth',
      'Requests holding a model version right now (admitted, not finished).',
      (v) => v.activeRequests,
    );
    perVersion('infergraph_model_loaded', '1 while a version is READY, else 0.', (v) =>
      v.state.status === 'READY' ? 1 : 0,
    );
    perVersion('infergraph_model_failed', '1 while a version is FAILED (its load failed), else 0.', (v) =>
      v.state.status === 'FAILED' ? 1 : 0,
    );
    perVersion(
      'infergraph_model_resident_bytes',
      'Memory attributed to a loaded version (0 when unloaded).',
      (v) => v.residentBytes ?? 0,
    );
    new Gauge({
      name: 'infergraph_model_drift_score',
      help: "Largest population stability index of a version's monitored statistics against its training data (absent until enough samples).",
      labelNames: MODEL_LABELS,
      registers,
      collect(): void {
        this.reset();
        for (const d of sources.drift())
          if (d.driftScore !== null) this.set({ model: d.model, version: String(d.version) }, d.driftScore);
      },
    });
    new Gauge({
      name: 'infergraph_model_drift_psi',
      help: 'Population stability index of one monitored statistic (inputs: mean, std, min, max; outputs: confidence, class_mix).',
      labelNames: [...MODEL_LABELS, 'statistic'],
      registers,
      collect(): void {
        this.reset();
        for (const d of sources.drift()) {
          for (const p of d.psi)
            if (p.value !== null)
              this.set({ model: d.model, version: String(d.version), statistic: p.statistic }, p.value);
        }
      },
    });
    new Counter({
      name: 'infergraph_mirror_dropped_total',
      help: 'Shadow and canary comparisons dropped because no quiet moment came before the queue filled.',
      registers,
      collect(): void {
        this.reset();
        this.inc(sources.mirrorDropped());
      },
    });
  }
}
