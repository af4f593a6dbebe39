import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { LifecycleJournal } from '../registry/lifecycle-journal';
import type { ModelRegistry } from '../registry/model-registry';
import type { TrafficPolicy, TrafficPolicyBook } from './traffic-policy';

/** Sets and reads traffic policies, checking them against the registry and auditing every change. */
export class TrafficPolicyService {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly policies: TrafficPolicyBook,
    private readonly journal: LifecycleJournal,
  ) {}

  get(model: string): TrafficPolicy {
    return this.policies.get(model);
  }

  /**
   * Replaces a model's policy. Canary and shadow must be existing versions other than production; a canary share is
   * 0–100. They only receive traffic while loaded.
   * @throws GatewayError `BAD_USER_INPUT`, `MODEL_NOT_FOUND` or `MODEL_VERSION_NOT_FOUND`.
   */
  set(model: string, policy: TrafficPolicy, actor: string): TrafficPolicy {
    const production = this.registry.resolve(model).version;
    const problems: string[] = [];
    const { canary, shadow } = policy;
    if (canary !== null) {
      this.registry.resolve(model, canary.version);
      if (!(canary.percent >= 0 && canary.percent <= 100)) problems.push('canaryPercent must be between 0 and 100');
      if (canary.version === production)
        problems.push(`version ${production} is production already: it cannot be its canary`);
    }
    if (shadow !== null) {
      this.registry.resolve(model, shadow);
      if (shadow === production) problems.push(`version ${production} is production already: it cannot shadow itself`);
    }
    if (problems.length > 0) {
      throw new GatewayError(ErrorCode.BAD_USER_INPUT, `The traffic policy is not valid: ${problems.join('; ')}.`, {
        problems,
      });
    }
    this.policies.set(model, policy, actor);
    this.journal.record({
      actor,
      model,
      version: null,
      event: 'model.traffic',
      result: 'SET',
      detail: JSON.stringify(policy),
    });
    return this.policies.get(model);
  }
}
