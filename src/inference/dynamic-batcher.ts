import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from './backend';
import { sharedFloat64Array } from '../lib/worker-thread';
import { elementCount } from '../tensor/tensor';
import { DrainRate } from './drain-rate';

/** Time as the batcher sees it; tests replace it with a hand-moved clock. */
export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock. */
export const SYSTEM_CLOCK: BatcherClock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
});

/** What one batch was made of, for telemetry. */
export interface BatchReport {
  readonly size: number;
  readonly requests: number;
}

/** How a {@link DynamicBatcher} forms and runs batches. */
export interface DynamicBatcherOptions {
  /** Samples per run. */
  readonly maxBatchSize: number;
  /** How long the first queued sample may wait for others while nothing runs (ms, > 0). */
  readonly maxDelayMs: number;
  /** Samples waiting beyond this are refused with `OVERLOADED`. */
  readonly maxQueuedSamples: number;
  /** Non-batch input dimensions, e.g. `[5000, 1]`. */
  readonly sampleDims: readonly number[];
  /** Runs one batch (the session's `run`, wrapped by telemetry). */
  readonly run: (input: Float64Tensor) => Promise<Float64Tensor>;
  readonly clock?: BatcherClock;
  readonly onBatch?: (report: BatchReport) => void;
  /**
   * Full batches that may be handed to the model while another runs (default 1: one at a time). A backend with a
   * queue of its own (the inference worker) then starts the next full batch the moment one ends, without waiting for
   * the event loop to hand it over; partial batches still wait for the run to end, gathering company meanwhile.
   */
  readonly maxRunsInFlight?: number;
  /**
   * Requests for this model version admitted but not yet here (still uploading or decoding). With none on their way
   * a lone sample starts at once instead of waiting `maxDelayMs` for company that is not coming. Default: assume some.
   */
  readonly onTheirWay?: () => number;
}

/** One request in the queue: its samples, how many are taken and finished, and where its outputs go. */
interface Pending {
  readonly values: Float64Array;
  readonly count: number;
  readonly deadline: number;
  taken: number;
  finished: number;
  /** Batches this request has had samples in. */
  turns: number;
  /** Told when the first of its samples goes into a batch. */
  readonly onStart: (() => void) | undefined;
  output: Float64Array | undefined;
  settled: boolean;
  resolve(tensor: Float64Tensor): void;
  reject(error: unknown): void;
}

interface Slice {
  readonly request: Pending;
  readonly offset: number;
  readonly count: number;
}

/**
 * Combines the samples of concurrent requests of one model version into batches of up to `maxBatchSize`. One batch
 * runs at a time (or, with `maxRunsInFlight`, full batches are handed over while one runs); while it runs, the next
 * one forms from whatever arrives, and starts as soon as it ends. With nothing
 * running, a batch starts when it is full, when no other request is on its way, or `maxDelayMs` after its first
 * sample arrived. Requests take turns (those
 * in fewer batches so far go first), so a large upload cannot starve small ones. Outputs go back to each request
 * in its own sample order. The queue is bounded (`OVERLOADED`, with a retry hint) and expired requests are dropped
 * (`DEADLINE_EXCEEDED`) before they take a place in a batch.
 */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedSamples = 0;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private timer: unknown;
  /** How fast the queue drains: the basis of the retry hint. */
  private readonly drain = new DrainRate();
  private readonly clock: BatcherClock;
  private readonly sampleLength: number;
  /** Requests submitted and not yet settled. */
  private held = 0;

  constructor(private readonly options: DynamicBatcherOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.sampleLength = elementCount(options.sampleDims);
    this.maxInFlight = Math.max(1, options.maxRunsInFlight ?? 1);
  }

  /** Samples waiting for a batch. */
  get queued(): number {
    return this.queuedSamples;
  }

  /**
   * Queues `count` samples and resolves with their `[count, …]` outputs, in order.
   * @param deadline clock time after which samples not yet in a batch are dropped with `DEADLINE_EXCEEDED`
   * @param onStart called when the first of these samples goes into a batch (the end of their wait)
   * @throws GatewayError `OVERLOADED` when the queue cannot take them, with `retryAfterSeconds`: the time the samples
   *   queued ahead plus these would take to drain at the measured rate (see {@link DrainRate.retryAfterSeconds})
   */
  submit(values: Float64Array, count: number, deadline = Infinity, onStart?: () => void): Promise<Float64Tensor> {
    if (this.queuedSamples + count > this.options.maxQueuedSamples) {
      const retryAfterSeconds = this.drain.retryAfterSeconds(this.clock.now(), this.queuedSamples + count);
      throw new GatewayError(ErrorCode.OVERLOADED, 'The model is busy: too many samples are waiting. Retry later.', {
        retryAfterSeconds,
      });
    }
    this.held += 1;
    return new Promise((resolve, reject) => {
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T): void => {
          this.held -= 1;
          fn(value);
        };
      this.queue.push({
        values,
        count,
        deadline,
        taken: 0,
        finished: 0,
        turns: 0,
        onStart,
        output: undefined,
        settled: false,
        resolve: settle(resolve),
        reject: settle(reject),
      });
      this.queuedSamples += count;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    if (this.inFlight > 0) {
      if (this.queuedSamples >= this.options.maxBatchSize) this.startNow();
      return;
    }
    const coming = this.options.onTheirWay === undefined ? 1 : this.options.onTheirWay() - this.held;
    if (this.queuedSamples >= this.options.maxBatchSize || coming <= 0) {
      this.startNow();
    } else if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.startNow();
      }, this.options.maxDelayMs);
    }
  }

  private startNow(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight >= this.maxInFlight) return;
    void this.runBatch();
  }

  private async runBatch(): Promise<void> {
    this.dropExpired();
    const slices = this.take();
    if (slices.length === 0) return;
    this.inFlight += 1;
    const size = slices.reduce((n, s) => n + s.count, 0);
    this.drain.started(this.clock.now(), size);
    let ran = false;
    try {
      const output = await this.options.run({
        data: this.inputOf(slices, size),
        dims: [size, ...this.options.sampleDims],
      });
      ran = true;
      this.drain.ended(this.clock.now(), size, true);
      this.deliver(slices, output, size);
      this.options.onBatch?.({ size, requests: new Set(slices.map((s) => s.request)).size });
    } catch (error) {
      if (!ran) this.drain.ended(this.clock.now(), size, false);
      for (const { request } of slices) this.fail(request, error);
    } finally {
      this.inFlight -= 1;
      // Samples that arrived during the run have waited already: once nothing runs, the next batch starts at once.
      if (this.queue.length > 0 && (this.inFlight === 0 || this.queuedSamples >= this.options.maxBatchSize))
        this.startNow();
    }
  }

  /**
   * Takes up to one batch of samples. Requests that have been in fewer batches go first (arrival order among equals),
   * so one that arrives behind a large upload is in the very next batch.
   */
  private take(): Slice[] {
    const slices: Slice[] = [];
    let room = this.options.maxBatchSize;
    for (const request of [...this.queue].sort((a, b) => a.turns - b.turns)) {
      if (room === 0) break;
      const count = Math.min(request.count - request.taken, room);
      slices.push({ request, offset: request.taken, count });
      request.taken += count;
      if (request.turns === 0) request.onStart?.();
      request.turns += 1;
      room -= count;
    }
    this.queue = this.queue.filter((r) => r.taken < r.count);
    this.queuedSamples -= this.options.maxBatchSize - room;
    return slices;
  }

  /** One request's slice is used in place; samples of several requests are copied into one buffer. */
  private inputOf(slices: readonly Slice[], size: number): Float64Array {
    const len = this.sampleLength;
    const [only] = slices;
    if (slices.length === 1 && only !== undefined)
      return only.request.values.subarray(only.offset * len, (only.offset + only.count) * len);
    const data = sharedFloat64Array(size * len);
    let at = 0;
    for (const { request, offset, count } of slices) {
      data.set(request.values.subarray(offset * len, (offset + count) * len), at * len);
      at += count;
    }
    return data;
  }

  private deliver(slices: readonly Slice[], output: Float64Tensor, size: number): void {
    if (output.dims[0] !== size) throw new Error(`model returned ${String(output.dims[0])} rows for ${size} samples`);
    const rowDims = output.dims.slice(1);
    const rowLength = elementCount(rowDims);
    let at = 0;
    for (const { request, offset, count } of slices) {
      if (!request.settled) {
        request.output ??= new Float64Array(request.count * rowLength);
        request.output.set(output.data.subarray(at * rowLength, (at + count) * rowLength), offset * rowLength);
        request.finished += count;
        if (request.finished === request.count) {
          request.settled = true;
          request.resolve({ data: request.output, dims: [request.count, ...rowDims] });
        }
      }
      at += count;
    }
  }

  private dropExpired(): void {
    const now = this.clock.now();
    for (const request of this.queue.filter((r) => r.deadline <= now)) {
      this.fail(request, deadlineExceeded());
    }
  }

  /** Rejects a request once and takes its samples still waiting out of the queue. */
  private fail(request: Pending, error: unknown): void {
    if (request.settled) return;
    request.settled = true;
    if (this.queue.includes(request)) {
      this.queue = this.queue.filter((r) => r !== request);
      this.queuedSamples -= request.count - request.taken;
    }
    request.reject(error);
  }
}

/** What a request gets when its deadline passes before its predictions are there, wherever its samples are. */
export function deadlineExceeded(): GatewayError {
  return new GatewayError(
    ErrorCode.DEADLINE_EXCEEDED,
    'The model did not answer within the request deadline (INFERENCE_DEADLINE_MS); the request was dropped.',
    {},
  );
}
