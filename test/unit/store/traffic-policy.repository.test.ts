import { openInMemoryStore } from '../../../src/store/store';
import { NO_TRAFFIC_POLICY } from '../../../src/traffic/traffic-policy';

describe('traffic policies', () => {
  it('has no policy for a model nobody set one for', () => {
    const { trafficPolicies: policies, close } = openInMemoryStore();
    expect(policies.get('m')).toBe(NO_TRAFFIC_POLICY);
    close();
  });

  it('round-trips a canary and a shadow, per model', () => {
    const { trafficPolicies: policies, close } = openInMemoryStore();
    policies.set('m', { canary: { version: 3, percent: 12.5 }, shadow: 4 }, 10, 'user:a');
    policies.set('shadow-only', { canary: null, shadow: 2 }, 10, 'user:a');
    policies.set('canary-only', { canary: { version: 5, percent: 100 }, shadow: null }, 10, 'user:a');
    expect(policies.get('m')).toEqual({ canary: { version: 3, percent: 12.5 }, shadow: 4 });
    expect(policies.get('shadow-only')).toEqual({ canary: null, shadow: 2 });
    expect(policies.get('canary-only')).toEqual({ canary: { version: 5, percent: 100 }, shadow: null });
    expect(policies.get('other')).toBe(NO_TRAFFIC_POLICY);
    close();
  });

  it('replaces the policy when set again', () => {
    const { trafficPolicies: policies, close } = openInMemoryStore();
    policies.set('m', { canary: { version: 3, percent: 10 }, shadow: 4 }, 10, 'user:a');
    policies.set('m', { canary: { version: 6, percent: 50 }, shadow: null }, 20, 'user:b');
    expect(policies.get('m')).toEqual({ canary: { version: 6, percent: 50 }, shadow: null });
    policies.set('m', { canary: null, shadow: 7 }, 30, 'user:b');
    expect(policies.get('m')).toEqual({ canary: null, shadow: 7 });
    close();
  });

  it('deletes the row when set to no canary and no shadow', () => {
    const { trafficPolicies: policies, close } = openInMemoryStore();
    policies.set('m', { canary: { version: 3, percent: 10 }, shadow: 4 }, 10, 'user:a');
    policies.set('kept', { canary: null, shadow: 4 }, 10, 'user:a');
    policies.set('m', { canary: null, shadow: null }, 20, 'user:a');
    expect(policies.get('m')).toBe(NO_TRAFFIC_POLICY);
    expect(policies.get('kept')).toEqual({ canary: null, shadow: 4 });
    close();
  });

  it('refuses a canary percent above 100 and keeps the previous policy', () => {
    const { trafficPolicies: policies, close } = openInMemoryStore();
    policies.set('m', { canary: { version: 3, percent: 10 }, shadow: null }, 10, 'user:a');
    expect(() => policies.set('m', { canary: { version: 3, percent: 101 }, shadow: null }, 20, 'user:a')).toThrow(
      /CHECK constraint/,
    );
    expect(policies.get('m')).toEqual({ canary: { version: 3, percent: 10 }, shadow: null });
    expect(() => policies.set('new', { canary: { version: 1, percent: 100.5 }, shadow: null }, 20, 'user:a')).toThrow(
      /CHECK constraint/,
    );
    expect(policies.get('new')).toBe(NO_TRAFFIC_POLICY);
    close();
  });
});
