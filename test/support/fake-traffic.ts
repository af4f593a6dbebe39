import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelRegistry } from '../../src/registry/model-registry';
import type { ComparisonLedger, ComparisonSample, ComparisonTotals } from '../../src/traffic/output-comparison';
import { NO_TRAFFIC_POLICY, type TrafficPolicy, type TrafficPolicyBook } from '../../src/traffic/traffic-policy';
import { FakeBackend } from './fake-backend';
import { fakeModelFiles } from './fake-version';
import { testRegistry } from './registry';

/** A registry over fake versions 1..count of model `m` (input `[N, 4, 1]`), discovered and loaded. */
export async function fakeRegistry(count: number, backend = new FakeBackend()): Promise<ModelRegistry> {
  const root = mkdtempSync(path.join(tmpdir(), 'infergraph-traffic-unit-'));
  for (let version = 1; version <= count; version += 1) {
    const dir = path.join(root, 'm', String(version));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(fakeModelFiles(dir, 'm', version)));
  }
  const registry = testRegistry(root, { backend });
  await registry.discover();
  await registry.loadAll();
  return registry;
}

/** Traffic policies in a map. */
export function memoryPolicies(): TrafficPolicyBook & { policy(model: string, policy: TrafficPolicy): void } {
  const policies = new Map<string, TrafficPolicy>();
  return {
    get: (model) => policies.get(model) ?? NO_TRAFFIC_POLICY,
    set: (model, policy) => policies.set(model, policy),
    policy: (model, policy) => policies.set(model, policy),
  };
}

/** A ledger that keeps every sample it is given. */
export function memoryLedger(): ComparisonLedger & { readonly samples: ComparisonSample[] } {
  const samples: ComparisonSample[] = [];
  return {
    samples,
    add: (sample) => samples.push(sample),
    list: (model): ComparisonTotals[] =>
      samples.filter((s) => s.model === model).map((s) => ({ ...s, updatedAt: new Date() })),
  };
}
