import type { BatchCodec } from '../codec/batch.codec';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from '../inference/backend';
import { runInBatches } from '../inference/batch-runner';
import type { ModelRegistry } from '../registry/model-registry';
import type { ModelVersion } from '../registry/model-version';

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

  async predict(request: PredictRequest): Promise<PredictionResult> {
    const { codec, maxSamplesPerRequest } = this.options;
    const version = this.readyVersion(request);
    const { bytes, filename } = await request.file.read();
    const batch = codec.decode(bytes, filename, {
      sampleLength: version.sampleLength,
      maxSamples: maxSamplesPerRequest,
    });
    // Looked up again: the version may have changed state while the upload streamed in.
    const session = version.session();
    let outputs: Float64Tensor;
    try {
      outputs = await runInBatches(session, batch.values, batch.count, version.plan);
    } catch (error) {
      if (isGatewayError(error)) throw error;
      throw new GatewayError(ErrorCode.INFERENCE_FAILED, 'The model failed to run on this batch.', {
        model: version.name,
        version: version.version,
      }, { cause: error });
    }
    return { model: version.name, version: version.version, labels: version.manifest.labels, ids: batch.ids, outputs };
  }

  /** Resolves the requested version and checks it can run before the upload is read; on failure drains the upload. */
  private readyVersion(request: PredictRequest): ModelVersion {
    try {
      const version = this.options.registry.resolve(request.model, request.version);
      version.session();
      return version;
    } catch (error) {
      request.file.discard();
      throw error;
    }
  }
}
