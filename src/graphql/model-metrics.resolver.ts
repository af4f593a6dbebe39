import { Arg, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { ModelRegistry } from '../registry/model-registry';
import type { MetricsBucket, MetricsHistory } from '../telemetry/metrics-history';

@ObjectType({ description: 'One minute of traffic of one model version and operation.' })
export class ModelMetricsBucket {
  constructor(private readonly bucket: MetricsBucket) {}

  @Field({ description: 'Start of the minute.' }) get at(): Date {
    return new Date(this.bucket.minute);
  }

  @Field(() => Int) get version(): number {
    return this.bucket.version;
  }

  @Field({ description: 'The GraphQL root field, e.g. `predict`.' }) get operation(): string {
    return this.bucket.operation;
  }

  @Field(() => Int) get requests(): number {
    return this.bucket.requests;
  }

  @Field(() => Int, { description: 'Requests answered with at least one error.' }) get errors(): number {
    return this.bucket.errors;
  }

  @Field(() => Int) get samples(): number {
    return this.bucket.samples;
  }

  @Field(() => Float, { description: 'Mean end-to-end latency (seconds).' }) get meanLatencySeconds(): number {
    return this.bucket.durationSum / this.bucket.requests;
  }

  @Field(() => Float, { description: 'Slowest request of the minute (seconds).' }) get maxLatencySeconds(): number {
    return this.bucket.durationMax;
  }
}

/** `modelMetrics`: the per-minute history kept in the embedded database, for installs without Prometheus. */
@Resolver()
export class ModelMetricsResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly history: MetricsHistory,
  ) {}

  @Query(() => [ModelMetricsBucket], {
    description:
      "A model's traffic per minute, version and operation over the last `minutes` (oldest first): requests, errors, " +
      'samples, mean and max latency. Kept METRICS_HISTORY_HOURS (7 days) in the embedded database.',
  })
  modelMetrics(
    @Arg('name') name: string,
    @Arg('minutes', () => Int, { defaultValue: 60, description: 'At most 10080 (7 days).' }) minutes: number,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): ModelMetricsBucket[] {
    this.registry.resolve(name, version);
    const since = Date.now() - Math.max(1, Math.min(minutes, 10_080)) * 60_000;
    return this.history.list(name, since, version ?? undefined).map((b) => new ModelMetricsBucket(b));
  }
}
