/**
 * Population stability index between a reference distribution and an observed one over the same bins:
 * Σ (observed − reference) · ln(observed / reference), each share floored at `floor` so that an empty bin does not make
 * it infinite. Below 0.1 is usually read as stable, 0.1–0.25 as a moderate shift, above 0.25 as a significant one.
 */
export function populationStabilityIndex(
  reference: readonly number[],
  observed: readonly number[],
  floor = 1e-4,
): number {
  let psi = 0;
  reference.forEach((expected, i) => {
    const e = Math.max(expected, floor);
    const a = Math.max(observed[i] ?? 0, floor);
    psi += (a - e) * Math.log(a / e);
  });
  return psi;
}

/** The last `capacity` observations of one binned quantity: counts per bin, and their running sum. */
export class DriftWindow {
  private readonly bins: Uint16Array;
  private readonly counts: number[];
  private next = 0;
  private filled = 0;
  private sum = 0;
  private readonly values: Float64Array;

  constructor(capacity: number, binCount: number) {
    this.bins = new Uint16Array(capacity);
    this.values = new Float64Array(capacity);
    this.counts = new Array<number>(binCount).fill(0);
  }

  /** Observations in the window. */
  get size(): number {
    return this.filled;
  }

  /** Mean of the observed values in the window (NaN when empty). */
  get mean(): number {
    return this.filled === 0 ? NaN : this.sum / this.filled;
  }

  add(bin: number, value: number): void {
    if (this.filled === this.bins.length) {
      const old = this.bins[this.next] as number;
      this.counts[old] = (this.counts[old] ?? 1) - 1;
      this.sum -= this.values[this.next] as number;
    } else {
      this.filled += 1;
    }
    this.bins[this.next] = bin;
    this.values[this.next] = value;
    this.counts[bin] = (this.counts[bin] ?? 0) + 1;
    this.sum += value;
    this.next = (this.next + 1) % this.bins.length;
  }

  /** The share of the window in each bin. */
  proportions(): number[] {
    return this.counts.map((c) => (this.filled === 0 ? 0 : c / this.filled));
  }
}
