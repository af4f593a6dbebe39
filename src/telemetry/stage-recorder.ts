import { isGatewayError } from '../errors/gateway-error';
import type { Instrumentation, Stage, StageAttributes, StageOutcome, StageRecord } from './instrumentation';

/** Wall-clock milliseconds, comparable across threads (unlike `performance.now()`). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * {@link Instrumentation} for a worker thread, where there is no tracer and no request scope: it only times the
 * stages, and the thread that owns the request replays the records ({@link Instrumentation.replay}).
 */
export class StageRecorder implements Instrumentation {
  private records: StageRecord[] = [];

  /** The stages recorded since the last call, oldest first. */
  take(): StageRecord[] {
    const taken = this.records;
    this.records = [];
    return taken;
  }

  target(): void {}

  replay(records: readonly StageRecord[]): void {
    this.records.push(...records);
  }

  async stage<T>(
    stage: Stage,
    attributes: StageAttributes,
    fn: () => Promise<T>,
    outcome?: (result: T) => StageOutcome,
  ): Promise<T> {
    const startedAt = epochMs();
    try {
      return this.ended(stage, attributes, startedAt, await fn(), outcome);
    } catch (error) {
      throw this.failed(stage, attributes, startedAt, error);
    }
  }

  stageSync<T>(stage: Stage, attributes: StageAttributes, fn: () => T, outcome?: (result: T) => StageOutcome): T {
    const startedAt = epochMs();
    try {
      return this.ended(stage, attributes, startedAt, fn(), outcome);
    } catch (error) {
      throw this.failed(stage, attributes, startedAt, error);
    }
  }

  private ended<T>(
    stage: Stage,
    attributes: StageAttributes,
    startedAt: number,
    result: T,
    outcome?: (result: T) => StageOutcome,
  ): T {
    this.records.push({
      stage,
      attributes,
      startedAt,
      endedAt: epochMs(),
      ...(outcome && { outcome: outcome(result) }),
    });
    return result;
  }

  private failed(stage: Stage, attributes: StageAttributes, startedAt: number, error: unknown): unknown {
    this.records.push({ stage, attributes, startedAt, endedAt: epochMs(), failure: failureCode(error) });
    return error;
  }
}

/** The code clients see for an error (unknown errors are masked, as in responses). */
export function failureCode(error: unknown): string {
  return isGatewayError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
}
