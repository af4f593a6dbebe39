import { storeComparisonLedger } from '../../../src/store/model-registry-state';
import { openInMemoryStore } from '../../../src/store/store';
import type { ComparisonSample } from '../../../src/traffic/output-comparison';

/** One mirrored request of shadow v2 against production v1, with values that are exact in binary. */
const sample = (patch: Partial<ComparisonSample> = {}): ComparisonSample => ({
  model: 'm',
  kind: 'SHADOW',
  candidateVersion: 2,
  baselineVersion: 1,
  requests: 1,
  samples: 4,
  agreed: 3,
  valuesCompared: 8,
  absDifferenceSum: 0.5,
  candidateMs: 2.25,
  baselineMs: 1.5,
  failures: 0,
  ...patch,
});

describe('model comparisons', () => {
  it('accumulates every sum of a pair across calls, updatedAt being the latest call', () => {
    const { modelComparisons: comparisons, close } = openInMemoryStore();
    comparisons.add(sample(), 100);
    comparisons.add(
      sample({ samples: 2, agreed: 2, valuesCompared: 4, absDifferenceSum: 0.25, candidateMs: 1, baselineMs: 0.5 }),
      200,
    );
    comparisons.add(
      sample({
        samples: 0,
        agreed: 0,
        valuesCompared: 0,
        absDifferenceSum: 0,
        candidateMs: 0,
        baselineMs: 3,
        failures: 1,
      }),
      300,
    );
    expect(comparisons.list('m')).toEqual([
      {
        model: 'm',
        kind: 'SHADOW',
        candidateVersion: 2,
        baselineVersion: 1,
        requests: 3,
        samples: 6,
        agreed: 5,
        valuesCompared: 12,
        absDifferenceSum: 0.75,
        candidateMs: 3.25,
        baselineMs: 5,
        failures: 1,
        updatedAt: 300,
      },
    ]);
    close();
  });

  it('keeps each kind and each pair of versions in its own row', () => {
    const { modelComparisons: comparisons, close } = openInMemoryStore();
    comparisons.add(sample(), 100);
    comparisons.add(sample({ kind: 'CANARY' }), 100);
    comparisons.add(sample({ candidateVersion: 3 }), 100);
    comparisons.add(sample({ baselineVersion: 2, candidateVersion: 3 }), 100);
    comparisons.add(sample({ requests: 5 }), 100);
    const rows = comparisons.list('m');
    expect(rows).toHaveLength(4);
    const requestsOf = (kind: string, candidate: number, baseline: number) =>
      rows.find((r) => r.kind === kind && r.candidateVersion === candidate && r.baselineVersion === baseline)?.requests;
    expect(requestsOf('SHADOW', 2, 1)).toBe(6);
    expect(requestsOf('CANARY', 2, 1)).toBe(1);
    expect(requestsOf('SHADOW', 3, 1)).toBe(1);
    expect(requestsOf('SHADOW', 3, 2)).toBe(1);
    close();
  });

  it("lists only the model's own rows, most recently updated first", () => {
    const { modelComparisons: comparisons, close } = openInMemoryStore();
    comparisons.add(sample({ candidateVersion: 2 }), 100);
    comparisons.add(sample({ candidateVersion: 3 }), 300);
    comparisons.add(sample({ kind: 'CANARY', candidateVersion: 4 }), 200);
    comparisons.add(sample({ model: 'other', candidateVersion: 9 }), 400);
    // Adding to the oldest row makes it the newest.
    comparisons.add(sample({ candidateVersion: 2 }), 500);
    expect(comparisons.list('m').map((r) => [r.model, r.kind, r.candidateVersion, r.updatedAt])).toEqual([
      ['m', 'SHADOW', 2, 500],
      ['m', 'SHADOW', 3, 300],
      ['m', 'CANARY', 4, 200],
    ]);
    expect(comparisons.list('other').map((r) => r.candidateVersion)).toEqual([9]);
    expect(comparisons.list('nobody')).toEqual([]);
    close();
  });
});

describe('store comparison ledger', () => {
  it('stamps each add with the injected clock and lists updatedAt as a Date', () => {
    const store = openInMemoryStore();
    let now = 1_700_000_000_000;
    const ledger = storeComparisonLedger(store.modelComparisons, () => now);
    ledger.add(sample());
    now += 5_000;
    ledger.add(sample());
    const [row, ...rest] = ledger.list('m');
    expect(rest).toEqual([]);
    expect(row?.updatedAt).toBeInstanceOf(Date);
    expect(row).toEqual({
      ...sample({
        requests: 2,
        samples: 8,
        agreed: 6,
        valuesCompared: 16,
        absDifferenceSum: 1,
        candidateMs: 4.5,
        baselineMs: 3,
      }),
      updatedAt: new Date(1_700_000_005_000),
    });
    store.close();
  });
});
