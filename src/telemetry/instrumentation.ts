/**
 * The seam between the prediction path and telemetry: services name the stages they run, the telemetry module turns
 * each into a trace span and its histograms. The prediction path (codec, inference, prediction, the XML worker
 * thread) imports this module only, never the rest of `src/telemetry/` (test/unit/architecture.test.ts checks it).
 */

export { StageRecorder } from './stage-recorder';

/** The stages of a prediction that get a span (and, where it matters to operators, a histogram). */
export const Stage = {
  /** The multipart file streaming in. */
  UPLOAD: 'upload.receive',
  /** The whole upload turned into a batch (format detection and the format's own steps). */
  DECODE: 'batch.decode',
  XML_PARSE: 'xml.parse',
  XML_VALIDATE: 'xml.validate',
  XML_VALUES: 'xml.values',
  NPY_DECODE: 'npy.decode',
  /** Waiting for the model version to take the request (an on-demand load under a memory budget, an unload draining). */
  QUEUE_WAIT: 'batch.queue_wait',
  /** Waiting for a place in a batch: from reaching the dynamic batcher to the first run with the request's samples. */
  BATCH_WAIT: 'batch.wait',
  /** One `InferenceSession.run`. */
  ORT_RUN: 'onnxruntime.run',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

/** What is known about a stage when it starts (recorded on its span; model and version also label its metrics). */
export interface StageAttributes {
  readonly batchSize?: number;
  readonly bytes?: number;
  readonly format?: string;
}

/** What a stage learned, reported when it ends. */
export interface StageOutcome {
  readonly samples?: number;
  readonly format?: string;
}

/** The model version a request runs on, and how it was chosen. */
export interface RequestTarget {
  readonly model: string;
  readonly version: number;
  readonly route: string;
  /** What the version's requests send (its input kind). */
  readonly kind: string;
}

/**
 * A stage that ran on another thread (the XML worker), timed there in wall-clock milliseconds since the epoch
 * (`performance.timeOrigin + performance.now()`: each thread has its own `performance.now()` origin).
 */
export interface StageRecord {
  readonly stage: Stage;
  readonly attributes: StageAttributes;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome?: StageOutcome;
  /** The client-facing error code the stage failed with, if it failed. */
  readonly failure?: string;
}

/** Spans and metrics for the stages of the current request. */
export interface Instrumentation {
  /** Names the version the current request runs on: its span is tagged and its metrics are labelled with it. */
  target(target: RequestTarget): void;
  /** Runs an asynchronous stage in its own span; `outcome` may describe its result. */
  stage<T>(
    stage: Stage,
    attributes: StageAttributes,
    fn: () => Promise<T>,
    outcome?: (result: T) => StageOutcome,
  ): Promise<T>;
  /** Runs a synchronous stage in its own span. */
  stageSync<T>(stage: Stage, attributes: StageAttributes, fn: () => T, outcome?: (result: T) => StageOutcome): T;
  /** Records stages that ran elsewhere as if they had run here, inside the current stage. */
  replay(records: readonly StageRecord[]): void;
}

/** Instrumentation that records nothing: for tests and tools that build services without telemetry. */
export const NO_INSTRUMENTATION: Instrumentation = Object.freeze({
  target: () => undefined,
  stage: <T>(_stage: Stage, _attributes: StageAttributes, fn: () => Promise<T>) => fn(),
  stageSync: <T>(_stage: Stage, _attributes: StageAttributes, fn: () => T) => fn(),
  replay: () => undefined,
});
