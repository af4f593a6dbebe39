import type { BatchCodec } from '../codec/batch.codec';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from '../inference/backend';
import { runInBatches } from '../inference/batch-runner';
import type { ModelRegistry } from '../registry/model-registry';
import type { ModelVersion, VersionLease } from '../registry/model-version';

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
}

/** The outcome of one prediction: one output row per sample, in upload order. */
export interface PredictionResult {
  readonly model: string;
  readonly version: number;
  readonly labels: readonly string[];
  readonly ids: readonly string[];
  readonly outputs: Float64Tensor;
}

/** Dependencies and limits of a {@link PredictionService}. */
export interface PredictionServiceOptions {
  readonly registry: ModelRegistry;
  readonly codec: BatchCodec;
  readonly maxSamplesPerRequest: number;
}

/** Upload → decoded batch → ONNX Runtime in batches → rows. The whole `predict` use case, transport-free. */
export class PredictionService {
  constructor(private readonly options: PredictionServiceOptions) {}

  /**
   * Runs one request. The version is leased from admission to the last run, so an unload that starts meanwhile
   * waits for this request instead of failing it.
   */
  async predict(request: PredictRequest): Promise<PredictionResult> {
    const { version, lease } = this.admit(request);
    try {
      const { bytes, filename } = await request.file.read();
      const batch = this.options.codec.decode(bytes, filename, {
        sampleLength: version.sampleLength,
        maxSamples: this.options.maxSamplesPerRequest,
      });
      let outputs: Float64Tensor;
      try {
        outputs = await runInBatches(lease.session, batch.values, batch.count, version.plan);
      } catch (error) {
        if (isGatewayError(error)) throw error;
        throw new GatewayError(ErrorCode.INFERENCE_FAILED, 'The model failed to run on this batch.', {
          model: version.name,
          version: version.version,
        }, { cause: error });
      }
      return { model: version.name, version: version.version, labels: version.manifest.labels, ids: batch.ids, outputs };
    } finally {
      lease.release();
    }
  }

  /** Resolves the requested version and leases it before the upload is read; on failure drains the upload. */
  private admit(request: PredictRequest): { version: ModelVersion; lease: VersionLease } {
    try {
      const version = this.options.registry.resolve(request.model, request.version);
      return { version, lease: version.acquire() };
    } catch (error) {
      request.file.discard();
      throw error;
    }
  }
}
