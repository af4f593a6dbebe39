import type { BatchIngest } from '../codec/batch-ingest';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from '../inference/backend';
import type { BatchScheduler } from '../inference/batch-scheduler';
import type { ModelRegistry } from '../registry/model-registry';
import type { VersionLease } from '../registry/model-version';
import type { ModelMonitor } from '../drift/model-monitor';
import type { TrafficMirror } from '../traffic/traffic-mirror';
import type { Route, RoutedRequest, TrafficRouter } from '../traffic/traffic-router';
import { Stage, type Instrumentation } from '../telemetry/instrumentation';

/** The content of an uploaded file, and its client-given name (a hint only). */
export interface UploadedFile {
  readonly bytes: Buffer;
  readonly filename: string | undefined;
}

/** An uploaded file as the prediction service needs it, independent of the multipart library. */
export interface UploadSource {
  /** Reads the whole file; rejects with `FILE_TOO_LARGE` or `UPLOAD_FAILED`. */
  read(): Promise<UploadedFile>;
  /** Drains the file without keeping it, when the request fails before it is read. */
  discard(): void;
}

/** What a prediction request asks for. */
export interface PredictRequest {
  readonly model: string;
  readonly version?: number | null;
  readonly file: UploadSource;
  /** Who asks (a stable key): a canary split is sticky per principal. */
  readonly principal: string;
  /** Runs `task` once the response has been sent (shadow and canary comparisons go there). */
  readonly afterResponse: (task: () => void) => void;
}

/** The outcome of one prediction: one output row per sample, in upload order. */
export interface PredictionResult {
  readonly model: string;
  readonly version: number;
  readonly route: Route;
  readonly labels: readonly string[];
  readonly ids: readonly string[];
  readonly outputs: Float64Tensor;
}

/** Dependencies and limits of a {@link PredictionService}. */
export interface PredictionServiceOptions {
  readonly registry: ModelRegistry;
  readonly router: TrafficRouter;
  readonly mirror: TrafficMirror;
  /** Turns uploads into batches (XML on a worker thread). */
  readonly ingest: BatchIngest;
  readonly maxSamplesPerRequest: number;
  /** Spans and timings of each stage. */
  readonly instrumentation: Instrumentation;
  /** Input and prediction statistics against the training data. */
  readonly monitor: ModelMonitor;
  /** Combines the samples of concurrent requests into batches (or runs each request alone). */
  readonly batches: BatchScheduler;
  /** How long a request's samples may wait for the model before `DEADLINE_EXCEEDED` (ms). */
  readonly deadlineMs: number;
}

/** Upload → decoded batch → ONNX Runtime in batches → rows. The whole `predict` use case, transport-free. */
export class PredictionService {
  constructor(private readonly options: PredictionServiceOptions) {}

  /**
   * Runs one request. The version is leased from admission to the last run, so an unload that starts meanwhile
   * waits for this request instead of failing it. Drift monitoring and any shadow or canary comparison happen after
   * the response is sent.
   */
  async predict(request: PredictRequest): Promise<PredictionResult> {
    const { routed, lease } = await this.admit(request);
    const { version } = routed;
    const { instrumentation: telemetry } = this.options;
    try {
      const { bytes, filename } = await telemetry.stage(Stage.UPLOAD, {}, () => request.file.read());
      const expect = { sampleLength: version.sampleLength, maxSamples: this.options.maxSamplesPerRequest };
      const batch = await this.options.ingest.decode(bytes, filename, expect);
      const started = performance.now();
      let outputs: Float64Tensor;
      try {
        const deadline = performance.now() + this.options.deadlineMs;
        let markStarted = (): void => undefined;
        const begun = new Promise<void>((resolve) => (markStarted = resolve));
        // A large XML upload still being decoded (`pending`) runs part by part as its samples arrive.
        const running = this.options.batches.run(lease.session, version.plan, batch.values, batch.count, {
          deadline,
          inFlight: () => version.activeRequests,
          onStart: markStarted,
          ...(batch.pending && { arrivals: batch.pending }),
        });
        // The wait for a place in a batch is a stage of its own; it ends when the first samples run, or fails with
        // the request (DEADLINE_EXCEEDED) if that comes first.
        await telemetry.stage(Stage.BATCH_WAIT, {}, () => Promise.race([begun, running.then(() => undefined)]));
        outputs = await running;
      } catch (error) {
        if (isGatewayError(error)) throw error;
        throw new GatewayError(
          ErrorCode.INFERENCE_FAILED,
          'The model failed to run on this batch.',
          {
            model: version.name,
            version: version.version,
          },
          { cause: error },
        );
      }
      const ms = performance.now() - started;
      const { mirror } = routed;
      const job =
        mirror === null
          ? undefined
          : {
              kind: mirror.kind,
              other: mirror.version,
              served: { version, outputs, ms },
              inputs: { values: batch.values, count: batch.count },
            };
      request.afterResponse(() => {
        this.options.monitor.observe(version, batch.values, batch.count, outputs);
        if (job !== undefined) this.options.mirror.enqueue(job);
      });
      return {
        model: version.name,
        version: version.version,
        route: routed.route,
        labels: version.manifest.labels,
        ids: batch.ids,
        outputs,
      };
    } finally {
      lease.release();
    }
  }

  /** Routes the request and leases its version before the upload is read; on failure drains the upload. */
  private async admit(request: PredictRequest): Promise<{ routed: RoutedRequest; lease: VersionLease }> {
    try {
      const routed = this.options.router.route(request.model, request.version, request.principal);
      const { version, route } = routed;
      this.options.instrumentation.target({ model: version.name, version: version.version, route });
      return {
        routed,
        lease: await this.options.instrumentation.stage(Stage.QUEUE_WAIT, {}, () =>
          this.options.registry.lease(version),
        ),
      };
    } catch (error) {
      request.file.discard();
      throw error;
    }
  }
}
