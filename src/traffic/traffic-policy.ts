/** A share of a model's `production` traffic sent to another version, chosen per principal. */
export interface CanaryPolicy {
  readonly version: number;
  /** 0–100: the share of principals whose requests the canary serves. */
  readonly percent: number;
}

/**
 * How a model's requests without an explicit version are split: a canary serves a sticky share of principals; a
 * shadow version runs on a copy of production requests after their response is sent.
 */
export interface TrafficPolicy {
  readonly canary: CanaryPolicy | null;
  readonly shadow: number | null;
}

/** No canary, no shadow: every request goes to `production`. */
export const NO_TRAFFIC_POLICY: TrafficPolicy = Object.freeze({ canary: null, shadow: null });

/** Where traffic policies are kept (the embedded store in production, so they survive restarts). */
export interface TrafficPolicyBook {
  get(model: string): TrafficPolicy;
  set(model: string, policy: TrafficPolicy, actor: string): void;
}
