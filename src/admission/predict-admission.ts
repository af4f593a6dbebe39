import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';

/** Per-principal budgets for `predict`. */
export interface PredictAdmissionOptions {
  /** Predictions a principal may start per rolling minute. */
  readonly perMinute: number;
  /** Predictions a principal may have running at once. */
  readonly maxConcurrency: number;
}

function rateLimited(retryAfterSeconds: number, reason: string): GatewayError {
  return new GatewayError(ErrorCode.RATE_LIMITED, `${reason} Retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
}

/**
 * Admission control for predictions, per principal: a request budget per minute (rate-limiter-flexible, in memory:
 * one budget per replica) and a cap on predictions in flight. Refusals are `RATE_LIMITED` with a retry hint;
 * nothing queues, so a flood costs the gateway almost nothing.
 */
export class PredictAdmission {
  private readonly limiter: RateLimiterMemory;
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly options: PredictAdmissionOptions) {
    this.limiter = new RateLimiterMemory({ points: options.perMinute, duration: 60 });
  }

  /**
   * Takes one unit of `key`'s budget and one concurrency slot.
   * @returns the function that frees the slot; call it exactly once, when the prediction ends.
   * @throws GatewayError `RATE_LIMITED`
   */
  async admit(key: string): Promise<() => void> {
    const running = this.inFlight.get(key) ?? 0;
    if (running >= this.options.maxConcurrency) {
      throw rateLimited(1, `At most ${this.options.maxConcurrency} predictions may run at once per caller.`);
    }
    // Reserve before awaiting, so concurrent calls cannot all pass the check above.
    this.inFlight.set(key, running + 1);
    try {
      await this.limiter.consume(key);
    } catch (error) {
      this.release(key);
      if (!(error instanceof RateLimiterRes)) throw error;
      throw rateLimited(
        Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        `At most ${this.options.perMinute} predictions per minute per caller.`,
      );
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(key);
    };
  }

  private release(key: string): void {
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, left);
  }
}
