/**
 * A decoded batch of signals, ready for inference: `count` samples of `sampleLength` float64 values each, stored
 * contiguously in row-major order (sample `i` is `values.subarray(i * sampleLength, (i + 1) * sampleLength)`).
 *
 * One flat `Float64Array` instead of nested arrays so that a batch of samples is a view of it, and the values cross
 * to the inference worker without a copy. ONNX Runtime itself is handed a copy of each batch: it refuses tensors
 * over shared memory, where the values are kept (see `OrtSession.run`).
 */
export interface SignalBatch {
  readonly format: SampleFormat;
  /** One id per sample: the `id` attribute in XML, else the sample's zero-based index as a string. */
  readonly ids: readonly string[];
  readonly count: number;
  readonly sampleLength: number;
  readonly values: Float64Array;
  /**
   * Set while only the first `pending.ready` samples are decoded (a large XML upload read in parts): `ids` and
   * `values` are complete once `pending.next()` has reached `count`.
   */
  readonly pending?: PendingSamples;
}

/** The rest of a batch still being decoded, part by part. */
export interface PendingSamples {
  /** Samples decoded so far. */
  readonly ready: number;
  /** Decodes the next part; resolves with the new `ready`, rejects with the `GatewayError` of the first bad sample. */
  next(): Promise<number>;
  /** Gives up on the rest (the decoder frees what it kept for it). */
  abandon(): void;
}

/** File formats accepted by `predict`. */
export type BatchFormat = 'xml' | 'npy';

/** Where a batch's samples came from: a file of one of those formats, texts sent as strings, or images. */
export type SampleFormat = BatchFormat | 'text' | 'image';

/** What the model expects of each decoded batch; decoders check it while decoding. */
export interface BatchExpectation {
  /** Values per sample: the product of the model input's non-batch dimensions (5000 for `ecg-rhythm`). */
  readonly sampleLength: number;
  /** Upper bound on samples in one upload; more is `TOO_MANY_SAMPLES`. */
  readonly maxSamples: number;
}

/** Turns the bytes of one uploaded file into a {@link SignalBatch}, or throws a `GatewayError`. */
export interface BatchDecoder {
  readonly format: BatchFormat;
  decode(bytes: Buffer, expect: BatchExpectation): SignalBatch;
}

/** A {@link BatchDecoder} that works off the calling thread; it owns that thread, hence `close`. */
export interface AsyncBatchDecoder {
  readonly format: BatchFormat;
  /** With `firstPart`, may resolve once that many samples are decoded (see {@link SignalBatch.pending}). */
  decode(bytes: Buffer, expect: BatchExpectation, firstPart?: number): Promise<SignalBatch>;
  close(): Promise<void>;
}
