/** Per-sample statistics of a raw signal that the gateway computes exactly as the training recipe does. */
export const SIGNAL_STATISTICS = ['mean', 'std', 'min', 'max'] as const;
export type SignalStatistic = (typeof SIGNAL_STATISTICS)[number];

/**
 * Mean, population standard deviation, minimum and maximum of one sample (numpy's `mean`, `std`, `min`, `max` along
 * the sample, as `training/ecg-rhythm/export.py` computes the reference).
 */
export function signalStatistics(values: Float64Array): Record<SignalStatistic, number> {
  // Indexed loops: `for...of` over a typed array runs the iterator protocol, several times slower on this path,
  // which sees every value of every request (same additions in the same order, so the same results).
  const n = values.length;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / values.length), min, max };
}
