import type { Float64Tensor } from './tensor';

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
