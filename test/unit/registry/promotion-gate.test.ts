import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Float64Tensor } from '../../../src/inference/backend';
import type { ModelVersion } from '../../../src/registry/model-version';
import { runPromotionGate } from '../../../src/registry/promotion-gate';
import { FakeBackend, FakeSession } from '../../support/fake-backend';
import { fakeVersion } from '../../support/fake-version';
import { npyBytes } from '../../support/npy';

/** The fake model's outputs for a golden set: [sum, -sum] per sample (see FakeSession). */
const INPUTS = Float64Array.from({ length: 6 * 4 }, (_, i) => Math.sin(i) + (i % 5) - 2);
const EXPECTED = Float64Array.from({ length: 12 }, (_, i) => {
  const sum = INPUTS.subarray(Math.floor(i / 2) * 4, Math.floor(i / 2) * 4 + 4).reduce((a, b) => a + b, 0);
  return i % 2 === 0 ? sum : -sum;
});

/** A FakeSession whose two outputs are swapped: it picks the other label on every sample. */
class SwappedSession extends FakeSession {
  override async run(input: Float64Tensor): Promise<Float64Tensor> {
    const out = await super.run(input);
    return { data: out.data.map((v) => -v), dims: out.dims };
  }
}

async function version(n: number, options: { golden?: boolean; backend?: FakeBackend } = {}): Promise<ModelVersion> {
  const heldout = { inputs: 'golden/in.npy', expectedOutputs: 'golden/out.npy' };
  const v = fakeVersion(n, options.golden === false ? {} : { heldout }, 4);
  mkdirSync(path.join(v.dir, 'golden'));
  writeFileSync(path.join(v.dir, 'golden', 'in.npy'), npyBytes({ descr: '<f8', shape: [6, 4, 1], data: INPUTS }));
  writeFileSync(path.join(v.dir, 'golden', 'out.npy'), npyBytes({ descr: '<f8', shape: [6, 2], data: EXPECTED }));
  await v.load(options.backend ?? new FakeBackend());
  return v;
}

const settings = { goldenTolerance: 1e-9, minAgreement: 0.9, maxGoldenSamples: 64 };

describe('the promotion gate', () => {
  it('passes a candidate that reproduces its golden outputs and agrees with the baseline', async () => {
    const report = await runPromotionGate(await version(2), await version(1), settings);
    expect(report).toMatchObject({
      passed: true,
      candidate: 2,
      baseline: 1,
      samples: 6,
      goldenMaxAbsDiff: 0,
      agreement: 1,
      problems: [],
    });
  });

  it('refuses a candidate that disagrees with the baseline, reporting the agreement', async () => {
    const swapped = await version(1, { backend: new FakeBackend(() => new SwappedSession()) });
    const report = await runPromotionGate(await version(2), swapped, settings);
    expect(report).toMatchObject({ passed: false, agreement: 0, goldenMaxAbsDiff: 0 });
    expect(report.problems).toEqual([
      expect.stringContaining('agrees with version 1 on 0 of golden inputs, below 0.9'),
    ]);
    expect(report.meanAbsDifference).toBeGreaterThan(0);
  });

  it('refuses a candidate whose outputs drift from its golden outputs beyond the tolerance', async () => {
    const swapped = await version(2, { backend: new FakeBackend(() => new SwappedSession()) });
    const report = await runPromotionGate(swapped, undefined, settings);
    expect(report.passed).toBe(false);
    expect(report.goldenMaxAbsDiff).toBeGreaterThan(1e-9);
    expect(report.problems[0]).toMatch(/golden outputs differ/);
  });

  it('refuses a candidate without golden data, and one that is not loaded', async () => {
    expect((await runPromotionGate(await version(2, { golden: false }), undefined, settings)).problems).toEqual([
      'the manifest declares no golden inputs (heldout)',
    ]);
    const unloaded = await version(3);
    await unloaded.unload();
    const report = await runPromotionGate(unloaded, undefined, settings);
    expect(report.passed).toBe(false);
    expect(report.problems[0]).toMatch(/not ready \(UNLOADED\)/);
  });

  it('uses at most maxGoldenSamples golden inputs', async () => {
    const report = await runPromotionGate(await version(2), await version(1), { ...settings, maxGoldenSamples: 4 });
    expect(report.samples).toBe(4);
  });
});
