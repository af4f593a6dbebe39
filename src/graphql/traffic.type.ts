import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ComparisonKind, ComparisonTotals } from '../traffic/output-comparison';
import type { TrafficPolicy } from '../traffic/traffic-policy';

/** GraphQL mirror of {@link ComparisonKind}. */
export const ComparisonKindEnum: { [K in ComparisonKind]: K } = { SHADOW: 'SHADOW', CANARY: 'CANARY' };
registerEnumType(ComparisonKindEnum, {
  name: 'ComparisonKind',
  description: 'SHADOW: a version run on copies of production requests. CANARY: a version serving a share of callers.',
});

@ObjectType('TrafficPolicy', { description: "How a model's requests without a version are split." })
export class TrafficPolicyType {
  @Field(() => Int, { nullable: true, description: 'The version serving a share of callers, if any.' })
  canaryVersion!: number | null;

  @Field(() => Float, { description: 'Share of callers (0–100) the canary serves; sticky per caller.' })
  canaryPercent!: number;

  @Field(() => Int, { nullable: true, description: 'The version run on a copy of production requests, if any.' })
  shadowVersion!: number | null;

  static from(policy: TrafficPolicy): TrafficPolicyType {
    return {
      canaryVersion: policy.canary?.version ?? null,
      canaryPercent: policy.canary?.percent ?? 0,
      shadowVersion: policy.shadow,
    };
  }
}

@InputType({ description: 'A traffic policy; leave a version out (null) to remove that part.' })
export class TrafficPolicyInput {
  @Field(() => Int, { nullable: true }) canaryVersion?: number | null;

  @Field(() => Float, { defaultValue: 0, description: 'Share of callers (0–100) routed to the canary.' })
  canaryPercent!: number;

  @Field(() => Int, { nullable: true }) shadowVersion?: number | null;

  static toPolicy(input: TrafficPolicyInput): TrafficPolicy {
    return {
      canary: input.canaryVersion == null ? null : { version: input.canaryVersion, percent: input.canaryPercent },
      shadow: input.shadowVersion ?? null,
    };
  }
}

@ObjectType({ description: 'How a shadow or canary version compares with production on the same requests.' })
export class ModelComparison {
  constructor(private readonly totals: ComparisonTotals) {}

  @Field(() => ComparisonKindEnum) get kind(): ComparisonKind {
    return this.totals.kind;
  }

  @Field(() => Int, { description: 'The shadow or canary version.' }) get candidateVersion(): number {
    return this.totals.candidateVersion;
  }

  @Field(() => Int, { description: 'The production version it was compared with.' }) get baselineVersion(): number {
    return this.totals.baselineVersion;
  }

  @Field(() => Int, { description: 'Requests compared (including failed runs).' }) get requests(): number {
    return this.totals.requests;
  }

  @Field(() => Int, { description: 'Mirrored runs that failed or could not run.' }) get failures(): number {
    return this.totals.failures;
  }

  @Field(() => Int, { description: 'Samples compared.' }) get samples(): number {
    return this.totals.samples;
  }

  @Field(() => Float, { nullable: true, description: 'Share of samples on which both versions pick the same label.' })
  get agreementRate(): number | null {
    return this.totals.samples === 0 ? null : this.totals.agreed / this.totals.samples;
  }

  @Field(() => Float, { nullable: true, description: 'Mean |candidate − production| over every output value.' })
  get meanAbsDifference(): number | null {
    return this.totals.valuesCompared === 0 ? null : this.totals.absDifferenceSum / this.totals.valuesCompared;
  }

  @Field(() => Float, { nullable: true, description: 'Mean model run time per compared request, candidate (ms).' })
  get candidateMeanLatencyMs(): number | null {
    return this.successes === 0 ? null : this.totals.candidateMs / this.successes;
  }

  @Field(() => Float, { nullable: true, description: 'Mean model run time per compared request, production (ms).' })
  get baselineMeanLatencyMs(): number | null {
    return this.successes === 0 ? null : this.totals.baselineMs / this.successes;
  }

  @Field() get updatedAt(): Date {
    return this.totals.updatedAt;
  }

  private get successes(): number {
    return this.totals.requests - this.totals.failures;
  }
}
