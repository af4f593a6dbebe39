import type { Float64Tensor } from '../inference/backend';

/** Which traffic a comparison comes from: a shadow version beside production, or a canary serving a share. */
export type ComparisonKind = 'SHADOW' | 'CANARY';

/** How two versions' outputs on the same samples compare. */
export interface OutputAgreement {
  readonly samples: number;
  /** Samples on which both versions pick the same label (the same argmax). */
  readonly agreed: number;
  /** Output values compared (samples × outputs). */
  readonly valuesCompared: number;
  /** Sum of |candidate − baseline| over those values. */
  readonly absDifferenceSum: number;
}

/** The index of each row's largest value (ties: the first), for `width` columns. */
export function argmaxRows(data: Float64Array, width: number): number[] {
  return Array.from({ length: data.length / width }, (_, r) => {
    let best = 0;
    for (let c = 1; c < width; c += 1)
      if ((data[r * width + c] as number) > (data[r * width + best] as number)) best = c;
    return best;
  });
}

/** Compares two `[samples, width]` outputs of the same inputs. */
export function compareOutputs(candidate: Float64Tensor, baseline: Float64Tensor): OutputAgreement {
  const width = candidate.dims[candidate.dims.length - 1] ?? 1;
  if (candidate.data.length !== baseline.data.length) throw new Error('outputs of different sizes cannot be compared');
  const [a, b] = [argmaxRows(candidate.data, width), argmaxRows(baseline.data, width)];
  let absDifferenceSum = 0;
  for (let i = 0; i < candidate.data.length; i += 1) {
    absDifferenceSum += Math.abs((candidate.data[i] as number) - (baseline.data[i] as number));
  }
  return {
    samples: a.length,
    agreed: a.filter((label, i) => label === b[i]).length,
    valuesCompared: candidate.data.length,
    absDifferenceSum,
  };
}

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
