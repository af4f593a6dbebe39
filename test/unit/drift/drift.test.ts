import { DriftWindow, populationStabilityIndex } from '../../../src/drift/drift-window';
import { binOf, referenceStatisticsOf } from '../../../src/drift/reference-statistics';
import { signalStatistics } from '../../../src/drift/signal-statistics';

describe('populationStabilityIndex', () => {
  it('is 0 for identical distributions and grows with the shift', () => {
    const reference = [0.25, 0.25, 0.25, 0.25];
    expect(populationStabilityIndex(reference, reference)).toBe(0);
    const small = populationStabilityIndex(reference, [0.3, 0.25, 0.25, 0.2]);
    const large = populationStabilityIndex(reference, [0.7, 0.1, 0.1, 0.1]);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
  });

  it('computes Σ (a − e) ln(a / e), flooring empty bins instead of going infinite', () => {
    const expected = (0.5 - 0.25) * Math.log(0.5 / 0.25) + (0.5 - 0.75) * Math.log(0.5 / 0.75);
    expect(populationStabilityIndex([0.25, 0.75], [0.5, 0.5])).toBeCloseTo(expected, 15);
    const empty = populationStabilityIndex([0.5, 0.5], [1, 0]);
    expect(Number.isFinite(empty)).toBe(true);
    expect(empty).toBeCloseTo((1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), 12);
  });
});

describe('binOf', () => {
  const edges = [null, 1, 2, 2, 3, null];

  it('places values in [lo, hi) bins as numpy searchsorted(side="right") counts inner edges', () => {
    expect([-5, 0.99, 1, 1.5, 2, 2.5, 3, 99].map((v) => binOf(v, edges))).toEqual([0, 0, 1, 1, 3, 3, 4, 4]);
  });
});

describe('DriftWindow', () => {
  it('keeps the last `capacity` observations: proportions and mean of those only', () => {
    const window = new DriftWindow(3, 2);
    expect([window.size, window.mean, window.proportions()]).toEqual([0, NaN, [0, 0]]);
    window.add(0, 1);
    window.add(0, 2);
    window.add(1, 3);
    expect([window.size, window.mean, window.proportions()]).toEqual([3, 2, [2 / 3, 1 / 3]]);
    window.add(1, 10); // pushes out the first observation
    expect([window.size, window.mean, window.proportions()]).toEqual([3, 5, [1 / 3, 2 / 3]]);
  });
});

describe('signalStatistics', () => {
  it('computes mean, population standard deviation, minimum and maximum', () => {
    expect(signalStatistics(Float64Array.from([1, 2, 3, 4]))).toEqual({
      mean: 2.5,
      std: Math.sqrt(1.25),
      min: 1,
      max: 4,
    });
  });
});

describe('referenceStatisticsOf', () => {
  it('reads a manifest’s reference statistics, and nothing from a manifest without valid ones', () => {
    const histogram = { binEdges: [null, 0, null], proportions: [0.5, 0.5] };
    const manifest = {
      referenceStatistics: {
        inputs: { mean: { mean: 0, std: 1, ...histogram } },
        outputs: { classMix: [0.5, 0.5], confidence: histogram },
      },
    };
    expect(referenceStatisticsOf(manifest)?.inputs['mean']?.proportions).toEqual([0.5, 0.5]);
    expect(referenceStatisticsOf({})).toBeUndefined();
    expect(
      referenceStatisticsOf({
        referenceStatistics: { inputs: { mean: { mean: 0, std: 1, binEdges: [null, null], proportions: [0.5, 0.5] } } },
      }),
    ).toBeUndefined();
  });
});
