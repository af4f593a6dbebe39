import type { Float64Tensor, InferenceSession } from './backend';
import { runInBatches, type RunPlan } from './batch-runner';
import { DynamicBatcher, type BatcherClock } from './dynamic-batcher';

/** Batching settings, from the configuration. */
export interface BatchingOptions {
  /** Samples per run (a version's plan may lower it). */
  readonly maxBatchSize: number;
  /** How long a lone sample waits for company; 0 turns batching off (each request runs on its own). */
  readonly maxDelayMs: number;
  /** Samples that may wait per version before `OVERLOADED`. */
  readonly maxQueuedSamples: number;
  /** Full batches handed to a session while another runs (see `DynamicBatcherOptions.maxRunsInFlight`). */
  readonly maxRunsInFlight?: number;
  readonly clock?: BatcherClock;
}

/** Wraps each model run (telemetry times it). */
export type RunWrapper = (input: Float64Tensor, run: () => Promise<Float64Tensor>) => Promise<Float64Tensor>;

/**
 * Runs a request's samples on a session: through that session's {@link DynamicBatcher} (created on first use, gone
 * with the session), or, with batching off, in the request's own consecutive batches.
 */
export class BatchScheduler {
  private readonly batchers = new WeakMap<InferenceSession, DynamicBatcher>();

  constructor(
    private readonly options: BatchingOptions,
    private readonly around: RunWrapper = (_input, run) => run(),
  ) {}

  /**
   * @param inFlight requests currently holding this version (uploading, decoding or waiting here): the batcher only
   *   waits for company when some of them have not reached it yet
   * @param onStart called when the first of these samples starts running (at once with batching off)
   */
  run(
    session: InferenceSession,
    plan: RunPlan,
    values: Float64Array,
    count: number,
    deadline: number,
    inFlight: () => number,
    onStart?: () => void,
  ): Promise<Float64Tensor> {
    if (this.options.maxDelayMs === 0) {
      onStart?.();
      return runInBatches(session, values, count, plan, this.around);
    }
    let batcher = this.batchers.get(session);
    if (batcher === undefined) {
      batcher = new DynamicBatcher({
        maxBatchSize: Math.min(this.options.maxBatchSize, plan.maxBatchSize),
        maxDelayMs: this.options.maxDelayMs,
        maxQueuedSamples: this.options.maxQueuedSamples,
        sampleDims: plan.sampleDims,
        run: (input) => this.around(input, () => session.run(input)),
        onTheirWay: inFlight,
        maxRunsInFlight: this.options.maxRunsInFlight ?? 1,
        ...(this.options.clock ? { clock: this.options.clock } : {}),
      });
      this.batchers.set(session, batcher);
    }
    return batcher.submit(values, count, deadline, onStart);
  }
}
