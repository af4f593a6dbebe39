import type { Logger } from 'pino';
import type { Float64Tensor } from '../inference/backend';
import { runInBatches } from '../inference/batch-runner';
import type { ModelVersion } from '../registry/model-version';
import { compareOutputs } from '../tensor/output-agreement';
import type { ComparisonKind, ComparisonLedger } from './output-comparison';

/**
 * A served request to replay on another version. For a shadow, the served version is production and the other is
 * the candidate; for a canary, the served version is the candidate and the other is production.
 */
export interface MirrorJob {
  readonly kind: ComparisonKind;
  readonly served: { readonly version: ModelVersion; readonly outputs: Float64Tensor; readonly ms: number };
  readonly other: ModelVersion;
  readonly inputs: { readonly values: Float64Array; readonly count: number };
}

/** Limits of a {@link TrafficMirror}. */
export interface TrafficMirrorOptions {
  readonly ledger: ComparisonLedger;
  readonly logger: Logger;
  /** Jobs waiting beyond this are dropped (and counted): mirroring must never build up memory or delay. */
  readonly maxQueued: number;
  /** Whether live requests are running (or just ran): mirrored runs wait for a quiet moment rather than compete. */
  readonly busy: () => boolean;
}

const QUIET_POLL_MS = 5;

/**
 * Replays served requests on a second version, one at a time, after their responses are sent and while no live
 * request runs, and records how the two versions compare. It never touches a response: jobs are queued only once
 * the response is out, a full queue drops jobs, and a failing run is counted, not thrown.
 */
export class TrafficMirror {
  private readonly queue: MirrorJob[] = [];
  private running: Promise<void> | undefined;
  private droppedJobs = 0;

  constructor(private readonly options: TrafficMirrorOptions) {}

  /** Jobs dropped because the queue was full, since start. */
  get dropped(): number {
    return this.droppedJobs;
  }

  enqueue(job: MirrorJob): void {
    if (this.queue.length >= this.options.maxQueued) {
      this.droppedJobs += 1;
      return;
    }
    this.queue.push(job);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when every queued job has run (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      while (this.options.busy()) await new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
      await this.replay(job);
    }
  }

  private async replay(job: MirrorJob): Promise<void> {
    const { served, other, inputs, kind } = job;
    const [candidate, baseline] = kind === 'SHADOW' ? [other, served.version] : [served.version, other];
    const key = {
      model: served.version.name,
      kind,
      candidateVersion: candidate.version,
      baselineVersion: baseline.version,
    };
    try {
      const lease = other.acquire();
      const started = performance.now();
      let outputs: Float64Tensor;
      try {
        outputs = await runInBatches(lease.session, inputs.values, inputs.count, other.plan);
      } finally {
        lease.release();
      }
      const ms = performance.now() - started;
      const [candidateOut, baselineOut, candidateMs, baselineMs] =
        kind === 'SHADOW' ? [outputs, served.outputs, ms, served.ms] : [served.outputs, outputs, served.ms, ms];
      this.options.ledger.add({
        ...key,
        ...compareOutputs(candidateOut, baselineOut),
        requests: 1,
        failures: 0,
        candidateMs,
        baselineMs,
      });
    } catch (error) {
      this.options.logger.warn({ err: error, ...key }, 'mirrored run failed');
      this.options.ledger.add({
        ...key,
        requests: 1,
        failures: 1,
        samples: 0,
        agreed: 0,
        valuesCompared: 0,
        absDifferenceSum: 0,
        candidateMs: 0,
        baselineMs: 0,
      });
    }
  }
}
