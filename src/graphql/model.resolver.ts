import { Arg, Int, Query, Resolver } from 'type-graphql';
import type { LifecycleJournal } from '../registry/lifecycle-journal';
import type { ModelRegistry } from '../registry/model-registry';
import type { ModelMonitor } from '../drift/model-monitor';
import type { ComparisonLedger } from '../traffic/output-comparison';
import type { TrafficPolicyService } from '../traffic/traffic-policy.service';
import { Model, ModelEvent } from './model.type';
import { ModelMonitoring } from './drift.type';
import { ModelComparison } from './traffic.type';

/** Read-only queries over the served models. */
@Resolver(() => Model)
export class ModelResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly journal: LifecycleJournal,
    private readonly traffic: TrafficPolicyService,
    private readonly comparisons: ComparisonLedger,
    private readonly monitor: ModelMonitor,
  ) {}

  @Query(() => [Model], { description: 'Every served model with its versions, state and input/output specs.' })
  models(): Model[] {
    return this.registry.list().map((entry) => new Model(entry, this.registry, this.traffic.get(entry.name)));
  }

  @Query(() => Model, { nullable: true, description: 'One model by name, or null when there is none.' })
  model(@Arg('name') name: string): Model | null {
    const entry = this.registry.get(name);
    return entry === undefined ? null : new Model(entry, this.registry, this.traffic.get(name));
  }

  @Query(() => [ModelEvent], { description: "A model's lifecycle changes, newest first: who, when, what, result." })
  modelEvents(
    @Arg('name') name: string,
    @Arg('limit', () => Int, { defaultValue: 50, description: 'At most 500.' }) limit: number,
  ): ModelEvent[] {
    return this.journal
      .list(name, Math.max(1, Math.min(limit, 500)))
      .map((e) => ({ ...e, id: String(e.id), detail: e.detail ?? null }));
  }

  @Query(() => [ModelComparison], {
    description:
      'How shadow and canary versions compare with production on the requests they shared: agreement, mean ' +
      'absolute output difference and run time, per (kind, candidate, production) pair, most recently updated first.',
  })
  modelComparison(@Arg('name') name: string): ModelComparison[] {
    this.registry.resolve(name);
    return this.comparisons.list(name).map((totals) => new ModelComparison(totals));
  }

  @Query(() => ModelMonitoring, {
    nullable: true,
    description:
      "Input drift and prediction mix of a version (default: `production`) over its recent traffic, against its manifest's " +
      'reference statistics; null when the manifest has none.',
  })
  modelMonitoring(
    @Arg('name') name: string,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): ModelMonitoring | null {
    return (this.monitor.report(this.registry.resolve(name, version)) as ModelMonitoring | undefined) ?? null;
  }
}
