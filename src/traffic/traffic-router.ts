import { createHash } from 'node:crypto';
import type { ModelRegistry } from '../registry/model-registry';
import type { ModelVersion } from '../registry/model-version';
import type { ComparisonKind } from './output-comparison';
import type { TrafficPolicyBook } from './traffic-policy';

/** Why a request runs on the version it runs on. */
export type Route = 'EXPLICIT' | 'PRODUCTION' | 'CANARY';

/** Where a request goes, and which other version (if any) runs on a copy of it once the response is sent. */
export interface RoutedRequest {
  readonly version: ModelVersion;
  readonly route: Route;
  readonly mirror: { readonly kind: ComparisonKind; readonly version: ModelVersion } | null;
}

/**
 * A principal's fixed place in [0, 100) for a model: the same caller always lands on the same side of a canary
 * split (sticky), and different models split callers independently.
 */
export function canaryBucket(model: string, principal: string): number {
  return (createHash('sha256').update(`${model}\u0000${principal}`).digest().readUInt32BE(0) / 2 ** 32) * 100;
}

/**
 * Applies a model's traffic policy to requests that name no version. A request that names a version gets exactly that
 * version and is never mirrored. A canary or shadow version that is not loaded is skipped: traffic stays on
 * production rather than failing.
 */
export class TrafficRouter {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly policies: TrafficPolicyBook,
  ) {}

  route(model: string, version: number | null | undefined, principal: string): RoutedRequest {
    if (version != null) return { version: this.registry.resolve(model, version), route: 'EXPLICIT', mirror: null };
    const production = this.registry.resolve(model);
    const policy = this.policies.get(model);
    const canary = policy.canary === null ? undefined : this.loaded(model, policy.canary.version, production);
    if (canary !== undefined && canaryBucket(model, principal) < (policy.canary?.percent ?? 0)) {
      return { version: canary, route: 'CANARY', mirror: { kind: 'CANARY', version: production } };
    }
    const shadow = policy.shadow === null ? undefined : this.loaded(model, policy.shadow, production);
    return {
      version: production,
      route: 'PRODUCTION',
      mirror: shadow === undefined ? null : { kind: 'SHADOW', version: shadow },
    };
  }

  private loaded(model: string, version: number, production: ModelVersion): ModelVersion | undefined {
    const found = this.registry.get(model)?.versions.find((v) => v.version === version);
    return found !== undefined && found !== production && found.state.status === 'READY' ? found : undefined;
  }
}
