/**
 * Model monitoring over real HTTP with the shipped model and its manifest's reference statistics (training split):
 * held-out records look like training data; the same records shifted in amplitude and baseline move the drift score
 * past the alert threshold, in GraphQL, in `/metrics`, and as the Prometheus alert rule reads it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload } from '../support/graphql-client';
import { heldoutInputs, until } from '../support/held-request';
import { npyBytes } from '../support/npy';

const L = 5000;
const WINDOW = 300;

interface Monitoring {
  samples: number;
  status: string;
  driftScore: number | null;
  alertPsi: number;
  inputs: { statistic: string; referenceMean: number; liveMean: number | null; psi: number | null }[];
  classMix: { label: string; reference: number; live: number | null }[];
  untracked: string[];
}

const QUERY =
  '{ modelMonitoring(name: "ecg-rhythm") { samples status driftScore alertPsi inputs { statistic referenceMean liveMean psi } classMix { label reference live } untracked } }';

let gw: RunningGateway;
const monitoring = async (): Promise<Monitoring> =>
  (await postJson<{ modelMonitoring: Monitoring }>(gw.viewer, QUERY)).body.data?.modelMonitoring as Monitoring;

/** Sends the 300 held-out records through `transform`, 100 per request, and waits until the window has taken them. */
async function feed(transform: (v: number) => number): Promise<Float64Array> {
  const values = Float64Array.from(heldoutInputs(), transform);
  for (let from = 0; from < 300; from += 100) {
    const file = npyBytes({ descr: '<f8', shape: [100, L, 1], data: values.subarray(from * L, (from + 100) * L) });
    const res = await upload(gw.predictor, file, { filename: 'batch.npy' });
    expect(res.body.errors).toBeUndefined();
  }
  return values;
}

/** Mean over samples of each sample's mean, computed here from the values sent. */
function meanOfMeans(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length / L; i += 1)
    total += values.subarray(i * L, (i + 1) * L).reduce((a, b) => a + b, 0) / L;
  return total / (values.length / L);
}

beforeAll(async () => {
  gw = await startGateway({ DRIFT_WINDOW_SAMPLES: String(WINDOW), DRIFT_MIN_SAMPLES: '100' });
});
afterAll(() => gw.stop());

describe('model monitoring', () => {
  it('reports insufficient data before traffic, and names the statistics it does not compute', async () => {
    const report = await monitoring();
    expect(report).toMatchObject({ samples: 0, status: 'INSUFFICIENT_DATA', driftScore: null, alertPsi: 0.25 });
    expect(report.inputs.map((s) => s.statistic)).toEqual(['mean', 'std', 'min', 'max']);
    expect(report.untracked).toEqual(['dominantFrequencyHz', 'highFrequencyEnergyRatio']);
  });

  it('finds held-out records close to the training data', async () => {
    const sent = await feed((v) => v);
    await until(async () => (await monitoring()).samples === WINDOW);
    const report = await monitoring();
    expect(report.driftScore).not.toBeNull();
    expect(report.driftScore as number).toBeLessThan(report.alertPsi);
    expect(report.status).not.toBe('DRIFTING');
    expect(report.inputs.find((s) => s.statistic === 'mean')?.liveMean).toBeCloseTo(meanOfMeans(sent), 12);
    expect(report.classMix.map((c) => c.label)).toEqual(['normal', 'atrial_fibrillation']);
  });

  it('moves the drift score past the alert threshold when inputs shift, in GraphQL and in /metrics', async () => {
    const sent = await feed((v) => 2.5 * v + 0.4);
    await until(
      async () =>
        Math.abs(((await monitoring()).inputs.find((s) => s.statistic === 'mean')?.liveMean ?? 0) - meanOfMeans(sent)) <
        1e-9,
    );
    const report = await monitoring();
    expect(report.status).toBe('DRIFTING');
    expect(report.driftScore as number).toBeGreaterThanOrEqual(report.alertPsi);
    const metrics = await (await fetch(`${gw.baseUrl}/metrics`)).text();
    const score = Number(/^infergraph_model_drift_score\{model="ecg-rhythm",version="1"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(score).toBeCloseTo(report.driftScore as number, 12);
    const rules = readFileSync(path.join(REPO_ROOT, 'otel', 'prometheus', 'alerts.yml'), 'utf8');
    const threshold = Number(/\(infergraph_model_drift_score\)\s*>=\s*([0-9.]+)/.exec(rules)?.[1]);
    expect(threshold).toBe(report.alertPsi);
    expect(score).toBeGreaterThanOrEqual(threshold);
  });
});
