/** Per-sample statistics of a raw signal that the gateway computes exactly as the training recipe does. */
export const SIGNAL_STATISTICS = ['mean', 'std', 'min', 'max'] as const;
export type SignalStatistic = (typeof SIGNAL_STATISTICS)[number];

/**
 * Mean, population standard deviation, minimum and maximum of one sample (numpy's `mean`, `std`, `min`, `max` along
 * the sample, as `models/ecg-rhythm/recipe/export.py` computes the reference).
 */
export function signalStatistics(values: Float64Array): Record<SignalStatistic, number> {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / values.length), min, max };
}
