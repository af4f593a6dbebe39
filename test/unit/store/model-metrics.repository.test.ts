import { storeMetricsHistory } from '../../../src/store/model-registry-state';
import { openInMemoryStore } from '../../../src/store/store';

const MINUTE = 60_000;
const request = (
  at: number,
  seconds: number,
  extra: Partial<{ version: number; failed: boolean; samples: number; operation: string }> = {},
) => ({
  model: 'm',
  version: 1,
  operation: 'predict',
  at,
  failed: false,
  samples: 2,
  seconds,
  ...extra,
});

describe('model metrics history', () => {
  it('sums requests, errors and samples per minute, version and operation, keeping the slowest request', () => {
    const { modelMetrics, close } = openInMemoryStore();
    modelMetrics.add(request(10 * MINUTE + 1, 0.5));
    modelMetrics.add(request(10 * MINUTE + 59_000, 1.5, { failed: true, samples: 3 }));
    modelMetrics.add(request(11 * MINUTE, 0.25));
    modelMetrics.add(request(11 * MINUTE, 0.75, { version: 2 }));
    expect(modelMetrics.list('m', 0)).toEqual([
      {
        minute: 10 * MINUTE,
        version: 1,
        operation: 'predict',
        requests: 2,
        errors: 1,
        samples: 5,
        durationSum: 2,
        durationMax: 1.5,
      },
      {
        minute: 11 * MINUTE,
        version: 1,
        operation: 'predict',
        requests: 1,
        errors: 0,
        samples: 2,
        durationSum: 0.25,
        durationMax: 0.25,
      },
      {
        minute: 11 * MINUTE,
        version: 2,
        operation: 'predict',
        requests: 1,
        errors: 0,
        samples: 2,
        durationSum: 0.75,
        durationMax: 0.75,
      },
    ]);
    expect(modelMetrics.list('m', 11 * MINUTE + 30_000, 2).map((b) => b.version)).toEqual([2]);
    expect(modelMetrics.list('other', 0)).toEqual([]);
    close();
  });

  it('prunes minutes older than the retention, at most once a minute', () => {
    const { modelMetrics, close } = openInMemoryStore();
    let now = 100 * MINUTE;
    const history = storeMetricsHistory(modelMetrics, 10 * MINUTE, () => now);
    history.record(request(50 * MINUTE, 1));
    history.record(request(95 * MINUTE, 1)); // the first record pruned everything before minute 90: the first row went
    expect(history.list('m', 0).map((b) => b.minute)).toEqual([95 * MINUTE]);
    modelMetrics.add(request(80 * MINUTE, 1));
    now += 30_000;
    history.record(request(now, 1)); // less than a minute since the last prune: minute 80 stays
    expect(history.list('m', 0).map((b) => b.minute)).toEqual([80 * MINUTE, 95 * MINUTE, 100 * MINUTE]);
    now += 60_000;
    history.record(request(now, 1));
    expect(history.list('m', 0).map((b) => b.minute)).toEqual([95 * MINUTE, 100 * MINUTE, 101 * MINUTE]);
    close();
  });
});
