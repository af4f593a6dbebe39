/** The retry hint while nothing has been measured yet (s): a first run may be slow, so 1 s would invite a stampede. */
export const COLD_START_RETRY_SECONDS = 10;

/** The longest retry hint (s): beyond a minute the estimate is guesswork, and waiting samples expire long before. */
export const MAX_RETRY_SECONDS = 60;

/**
 * Weight of the past at each completed run. 0.8 averages over the last five or so runs: enough to smooth a slow
 * batch, few enough that the hint follows a change of load within seconds.
 */
const DECAY = 0.8;

/**
 * How fast one model version's batcher drains its queue: samples completed per second of being busy, measured with
 * the batcher's clock and smoothed over completed runs. It measures throughput, not the latency of a run: with
 * several runs in flight, the time between completions counts, not each run's own duration (which includes its
 * wait behind the others). Time with nothing running is not counted, so an idle spell does not make the model look
 * slow.
 */
export class DrainRate {
  /** Samples completed and busy milliseconds, both decayed by {@link DECAY} per completed run. */
  private samples = 0;
  private busyMs = 0;
  private running = 0;
  private runningSamples = 0;
  /** Start of the current busy stretch, or the last completion in it: what the next completion is measured from. */
  private mark = 0;
  /** When the runs in flight began to be timed, for the cold-start bound. */
  private runningSince = 0;

  /** A run of `size` samples is handed to the model at `now`. */
  started(now: number, size: number): void {
    if (this.running === 0) {
      this.mark = now;
      this.runningSince = now;
    }
    this.running += 1;
    this.runningSamples += size;
  }

  /**
   * A run of `size` samples ended at `now`; `completed` is false when it failed, whose time says nothing about the
   * model's speed.
   */
  ended(now: number, size: number, completed: boolean): void {
    this.running -= 1;
    this.runningSamples -= size;
    if (completed) {
      this.samples = DECAY * this.samples + size;
      this.busyMs = DECAY * this.busyMs + Math.max(0, now - this.mark);
    }
    this.mark = now;
    this.runningSince = now;
  }

  /**
   * Seconds until `backlog` samples (those queued ahead of a caller plus the caller's own) would have drained:
   * `backlog` / the measured rate, rounded up, within [1, {@link MAX_RETRY_SECONDS}]. Before any run has completed
   * (cold start) nothing is measured, and the hint is {@link COLD_START_RETRY_SECONDS}, or more once the first runs
   * have been going long enough to show the model is slower than that: nothing of their samples done in the time
   * they took means draining is at most that fast.
   */
  retryAfterSeconds(now: number, backlog: number): number {
    const ms =
      this.busyMs > 0 && this.samples > 0
        ? (backlog * this.busyMs) / this.samples
        : Math.max(
            COLD_START_RETRY_SECONDS * 1000,
            this.runningSamples > 0 ? (backlog * (now - this.runningSince)) / this.runningSamples : 0,
          );
    return Math.min(MAX_RETRY_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
  }
}
