import type { OutputAgreement } from '../tensor/output-agreement';

/** Which traffic a comparison comes from: a shadow version beside production, or a canary serving a share. */
export type ComparisonKind = 'SHADOW' | 'CANARY';

/** Which pair of versions a comparison is about. */
export interface ComparisonKey {
  readonly model: string;
  readonly kind: ComparisonKind;
  readonly candidateVersion: number;
  readonly baselineVersion: number;
}

/** One mirrored request's contribution; a failed candidate run counts in `failures` and nowhere else. */
export interface ComparisonSample extends ComparisonKey, OutputAgreement {
  readonly requests: number;
  readonly failures: number;
  readonly candidateMs: number;
  readonly baselineMs: number;
}

/** Running totals of a pair, as kept by a {@link ComparisonLedger}. */
export interface ComparisonTotals extends ComparisonSample {
  readonly updatedAt: Date;
}

/** Where comparisons accumulate (the embedded store in production). */
export interface ComparisonLedger {
  add(sample: ComparisonSample): void;
  list(model: string): ComparisonTotals[];
}
