import type { Float64Tensor, InferenceSession } from './backend';
import { runInBatches, type RunPlan } from './batch-runner';
import { DynamicBatcher, type BatcherClock } from './dynamic-batcher';
import { elementCount } from '../tensor/tensor';

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

/** Samples that arrive in parts (a large upload still being decoded). */
export interface Arrivals {
  /** Samples there so far. */
  readonly ready: number;
  /** Resolves with the new `ready` once the next part is there. */
  next(): Promise<number>;
  /** Nobody will wait for the rest. */
  abandon(): void;
}

/** How one request's samples are to run. */
export interface RunRequest {
  /** Clock time after which samples not yet in a batch are dropped with `DEADLINE_EXCEEDED`. */
  readonly deadline: number;
  /**
   * Requests currently holding this version (uploading, decoding or waiting here): the batcher only waits for
   * company when some of them have not reached it yet.
   */
  readonly inFlight: () => number;
  /** Called when the first of the samples starts running (at once with batching off). */
  readonly onStart?: () => void;
  /** Set when the samples arrive in parts (a large upload still being decoded): each part runs as it arrives. */
  readonly arrivals?: Arrivals;
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

  /** Runs `count` samples of `values` on `session` and resolves with their outputs, whole and in order. */
  run(
    session: InferenceSession,
    plan: RunPlan,
    values: Float64Array,
    count: number,
    request: RunRequest,
  ): Promise<Float64Tensor> {
    const { arrivals } = request;
    return arrivals === undefined
      ? this.runWhole(session, plan, values, count, request)
      : this.runInParts(session, plan, values, count, request, arrivals);
  }

  private runWhole(
    session: InferenceSession,
    plan: RunPlan,
    values: Float64Array,
    count: number,
    request: RunRequest,
  ): Promise<Float64Tensor> {
    const { deadline, inFlight, onStart } = request;
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

  /**
   * Samples that arrive in parts: each part goes to the batcher as soon as it is there, so the first batches run
   * while the rest is decoded. Settles only once no part of the request can still be running, so that the caller's
   * lease never ends under a run of its samples.
   */
  private async runInParts(
    session: InferenceSession,
    plan: RunPlan,
    values: Float64Array,
    count: number,
    request: RunRequest,
    arrivals: Arrivals,
  ): Promise<Float64Tensor> {
    const sampleLength = elementCount(plan.sampleDims);
    const parts: Promise<Float64Tensor>[] = [];
    let failure: { readonly error: unknown } | undefined;
    try {
      let from = 0;
      let ready = arrivals.ready;
      for (;;) {
        if (ready <= from) throw new Error('a part of the upload arrived empty');
        const part = values.subarray(from * sampleLength, ready * sampleLength);
        parts.push(
          this.runWhole(session, plan, part, ready - from, {
            ...request,
            onStart: from === 0 ? request.onStart : undefined,
          }),
        );
        from = ready;
        if (from >= count) break;
        ready = await arrivals.next();
      }
    } catch (error) {
      failure = { error };
      arrivals.abandon();
    }
    const settled = await Promise.allSettled(parts);
    failure ??= settled.flatMap((s) => (s.status === 'rejected' ? [{ error: s.reason as unknown }] : []))[0];
    if (failure !== undefined) throw failure.error;
    return concatRows(
      settled.map((s) => (s as PromiseFulfilledResult<Float64Tensor>).value),
      count,
    );
  }
}

/** The rows of consecutive outputs in one tensor of `count` rows. */
function concatRows(outputs: readonly Float64Tensor[], count: number): Float64Tensor {
  const rowDims = outputs[0]?.dims.slice(1) ?? [];
  const rowLength = elementCount(rowDims);
  const data = new Float64Array(count * rowLength);
  let at = 0;
  for (const output of outputs) {
    data.set(output.data, at);
    at += output.data.length;
  }
  return { data, dims: [count, ...rowDims] };
}
