import type { BatchIngest } from '../codec/batch-ingest';
import type { SignalBatch } from '../codec/signal-batch';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from '../inference/backend';
import type { BatchScheduler } from '../inference/batch-scheduler';
import { deadlineExceeded } from '../inference/dynamic-batcher';
import type { ModelRegistry } from '../registry/model-registry';
import type { ModelVersion, VersionLease } from '../registry/model-version';
import type { ModelMonitor } from '../drift/model-monitor';
import type { TrafficMirror } from '../traffic/traffic-mirror';
import type { Route, RoutedRequest, TrafficRouter } from '../traffic/traffic-router';
import { Stage, type Instrumentation } from '../telemetry/instrumentation';
import type { TextItem } from '../codec/text/text-batch-encoder';
import { base64Image } from '../codec/image/image-batch-encoder';
import { assertNever } from '../lib/assert-never';
import type { InputKindName } from '../registry/input-kind';

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

/** What a request sends: a file (signals as XML or `.npy`, tensors as `.npy`) or texts. */
export type PredictInput =
  | { readonly kind: 'file'; readonly file: UploadSource }
  | { readonly kind: 'texts'; readonly texts: readonly TextItem[] }
  | { readonly kind: 'images'; readonly images: readonly Base64Image[] };

/** An image sent as base64 text, with the id the client gives it. */
export interface Base64Image {
  readonly id?: string | null;
  readonly base64: string;
}

/** The version input kinds each kind of request is for. */
const ACCEPTED_BY: Readonly<Record<PredictInput['kind'], readonly InputKindName[]>> = {
  file: ['signal', 'tensor'],
  texts: ['text'],
  images: ['image'],
};

/** What a prediction request asks for. */
export interface PredictRequest {
  readonly model: string;
  readonly version?: number | null;
  readonly input: PredictInput;
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
   * Runs one request. The request is routed and admitted before its upload is read (a version that is not serving
   * refuses it at once), but its version is leased only once the upload has arrived and is decoded, and from then to
   * the last run: an unload that starts meanwhile waits for leased requests, never for an upload still arriving (a
   * client sending one byte a second cannot hold a version). Such a request then gets what any request for an
   * unloaded version gets, `MODEL_NOT_READY`. Drift monitoring and any shadow or canary comparison happen after the
   * response is sent.
   */
  async predict(request: PredictRequest): Promise<PredictionResult> {
    const { routed, admitted } = this.admit(request);
    const { version } = routed;
    const { instrumentation: telemetry } = this.options;
    const { batch, lease } = await this.arrive(request, version, admitted);
    // Released once no run of the request can still be going, which may be after the request has given up.
    let runsSettled: Promise<unknown> = Promise.resolve();
    const deadline = new Deadline(this.options.deadlineMs);
    try {
      const started = performance.now();
      let outputs: Float64Tensor;
      try {
        let markStarted = (): void => undefined;
        const begun = new Promise<void>((resolve) => (markStarted = resolve));
        // A large XML upload still being decoded (`pending`) runs part by part as its samples arrive.
        const running = this.options.batches.run(lease.session, version.plan, batch.values, batch.count, {
          deadline: deadline.at,
          inFlight: () => version.activeRequests,
          onStart: markStarted,
          ...(batch.pending && { arrivals: batch.pending }),
        });
        runsSettled = running.catch(() => undefined);
        // The wait for a place in a batch is a stage of its own; it ends when the first samples run, or fails with
        // the request (DEADLINE_EXCEEDED) if that comes first.
        await telemetry.stage(Stage.BATCH_WAIT, {}, () =>
          Promise.race([begun, running.then(() => undefined), deadline.passed]),
        );
        // The deadline covers the runs too: a model that does not answer in time fails the request, not its caller.
        outputs = await Promise.race([running, deadline.passed]);
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
      deadline.clear();
      void runsSettled.then(() => lease.release());
    }
  }

  /**
   * Reads and decodes the upload, then leases the version; ends the admission once the lease is held (or the
   * request failed), so that the version never looks idle in between. A large XML upload has arrived in full here
   * but only its first part is decoded (`pending`), the rest going to the batcher part by part: the lease is taken
   * before that first part runs, and the rest is abandoned if the lease is refused.
   */
  private async arrive(
    request: PredictRequest,
    version: ModelVersion,
    admitted: () => void,
  ): Promise<{ batch: SignalBatch; lease: VersionLease }> {
    const { instrumentation: telemetry } = this.options;
    let batch: SignalBatch | undefined;
    try {
      batch = await this.decode(request.input, version);
      const lease = await telemetry.stage(Stage.QUEUE_WAIT, {}, () => this.options.registry.lease(version));
      return { batch, lease };
    } catch (error) {
      batch?.pending?.abandon();
      throw error;
    } finally {
      admitted();
    }
  }

  /** The request's samples as the version's batch: a file read and decoded, or texts tokenised. */
  private async decode(input: PredictInput, version: ModelVersion): Promise<SignalBatch> {
    const { instrumentation: telemetry, maxSamplesPerRequest } = this.options;
    switch (input.kind) {
      case 'file': {
        const { bytes, filename } = await telemetry.stage(Stage.UPLOAD, {}, () => input.file.read());
        const expect = { sampleLength: version.sampleLength, maxSamples: maxSamplesPerRequest };
        return this.options.ingest.decode(bytes, filename, expect);
      }
      case 'texts': {
        const preprocessor = await version.preprocessor();
        if (preprocessor.kind !== 'text') throw kindMismatch(version, input);
        return telemetry.stage(Stage.DECODE, { format: 'text' }, () =>
          Promise.resolve(preprocessor.encoder.encode(input.texts, maxSamplesPerRequest)),
        );
      }
      case 'images': {
        const preprocessor = await version.preprocessor();
        if (preprocessor.kind !== 'image') throw kindMismatch(version, input);
        const images = input.images.map((image, i) => ({ id: image.id ?? null, bytes: base64Image(image.base64, i) }));
        return telemetry.stage(Stage.DECODE, { format: 'image' }, () =>
          preprocessor.encoder.encode(images, maxSamplesPerRequest),
        );
      }
      default:
        return assertNever(input);
    }
  }

  /**
   * Routes the request and admits it to its version before the upload is read (see {@link ModelRegistry.admit});
   * on failure drains the upload. Returns the function that ends the admission.
   */
  private admit(request: PredictRequest): { routed: RoutedRequest; admitted: () => void } {
    try {
      const routed = this.options.router.route(request.model, request.version, request.principal);
      const { version, route } = routed;
      this.options.instrumentation.target({
        model: version.name,
        version: version.version,
        route,
        kind: version.manifest.input.kind,
      });
      if (!ACCEPTED_BY[request.input.kind].includes(version.manifest.input.kind))
        throw kindMismatch(version, request.input);
      return { routed, admitted: this.options.registry.admit(version) };
    } catch (error) {
      if (request.input.kind === 'file') request.input.file.discard();
      throw error;
    }
  }
}

/** A request's deadline: a clock time for the batcher, and a promise that rejects with `DEADLINE_EXCEEDED` then. */
class Deadline {
  readonly at: number;
  readonly passed: Promise<never>;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.at = performance.now() + ms;
    let expire: (error: Error) => void = () => undefined;
    this.passed = new Promise<never>((_resolve, reject) => (expire = reject));
    // Only raced, never awaited alone: once the request is answered, nobody listens.
    this.passed.catch(() => undefined);
    this.timer = setTimeout(() => expire(deadlineExceeded()), ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** The request sends what the version does not take. */
function kindMismatch(version: ModelVersion, input: PredictInput): GatewayError {
  const takes = version.manifest.input.kind;
  const way = takes === 'text' ? '`predictTexts`' : takes === 'image' ? '`predictImages`' : 'a file (`predict`)';
  return new GatewayError(
    ErrorCode.INPUT_KIND_MISMATCH,
    `Model ${version.name} version ${version.version} takes ${takes} input, sent as ${way}.`,
    { model: version.name, version: version.version, expected: takes, received: input.kind },
  );
}
