import type { ModelRegistry } from '../../../src/registry/model-registry';
import { canaryBucket, TrafficRouter } from '../../../src/traffic/traffic-router';
import { fakeRegistry, memoryPolicies } from '../../support/fake-traffic';

describe('canaryBucket', () => {
  it('puts a caller in the same place every time, independently per model', () => {
    expect(canaryBucket('m', 'apiKey:1')).toBe(canaryBucket('m', 'apiKey:1'));
    expect(canaryBucket('m', 'apiKey:1')).not.toBe(canaryBucket('other', 'apiKey:1'));
  });

  it('spreads callers evenly over [0, 100): a 30 % canary gets about 30 % of them', () => {
    const buckets = Array.from({ length: 20_000 }, (_, i) => canaryBucket('m', `user:${i}`));
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(100);
    const share = buckets.filter((b) => b < 30).length / buckets.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
  });
});

describe('TrafficRouter', () => {
  let registry: ModelRegistry;
  beforeEach(async () => {
    registry = await fakeRegistry(3); // production: version 3, the newest at first boot
  });

  const inCanary = (percent: number) =>
    Array.from({ length: 200 }, (_, i) => `user:${i}`).find((p) => canaryBucket('m', p) < percent) as string;
  const outOfCanary = (percent: number) =>
    Array.from({ length: 200 }, (_, i) => `user:${i}`).find((p) => canaryBucket('m', p) >= percent) as string;

  it('sends everything to production, unmirrored, without a policy', () => {
    const routed = new TrafficRouter(registry, memoryPolicies()).route('m', null, 'user:1');
    expect([routed.version.version, routed.route, routed.mirror]).toEqual([3, 'PRODUCTION', null]);
  });

  it('gives a request naming a version exactly that version, never canaried or mirrored', () => {
    const policies = memoryPolicies();
    policies.policy('m', { canary: { version: 1, percent: 100 }, shadow: 2 });
    const routed = new TrafficRouter(registry, policies).route('m', 2, inCanary(100));
    expect([routed.version.version, routed.route, routed.mirror]).toEqual([2, 'EXPLICIT', null]);
  });

  it('sends callers inside the canary share to the canary, mirrored on production, and the others to production', () => {
    const policies = memoryPolicies();
    policies.policy('m', { canary: { version: 1, percent: 40 }, shadow: 2 });
    const router = new TrafficRouter(registry, policies);
    const canary = router.route('m', undefined, inCanary(40));
    expect([canary.version.version, canary.route, canary.mirror?.kind, canary.mirror?.version.version]).toEqual([
      1,
      'CANARY',
      'CANARY',
      3,
    ]);
    const production = router.route('m', undefined, outOfCanary(40));
    expect([
      production.version.version,
      production.route,
      production.mirror?.kind,
      production.mirror?.version.version,
    ]).toEqual([3, 'PRODUCTION', 'SHADOW', 2]);
  });

  it('keeps traffic on production, unmirrored, while the canary or shadow is not loaded', async () => {
    const policies = memoryPolicies();
    policies.policy('m', { canary: { version: 1, percent: 100 }, shadow: 2 });
    await registry.unload('m', 1, 'user:ops');
    await registry.unload('m', 2, 'user:ops');
    const routed = new TrafficRouter(registry, policies).route('m', undefined, inCanary(100));
    expect([routed.version.version, routed.route, routed.mirror]).toEqual([3, 'PRODUCTION', null]);
  });
});
