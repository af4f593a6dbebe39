import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { DriftStatus, MonitoringReport } from '../drift/model-monitor';

/** GraphQL mirror of {@link DriftStatus}. */
export const DriftStatusEnum: { [K in DriftStatus]: K } = {
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
  STABLE: 'STABLE',
  SHIFTING: 'SHIFTING',
  DRIFTING: 'DRIFTING',
};
registerEnumType(DriftStatusEnum, {
  name: 'DriftStatus',
  description:
    'INSUFFICIENT_DATA: fewer samples than DRIFT_MIN_SAMPLES. STABLE: score < 0.1. SHIFTING: < DRIFT_ALERT_PSI. DRIFTING: at or above it.',
});

@ObjectType({
  description: 'One monitored statistic: its training mean, its live mean, and their population stability index.',
})
export class StatisticDrift {
  @Field({ description: '`mean`, `std`, `min`, `max` of each input sample, or `confidence` (the top output).' })
  statistic!: string;

  @Field(() => Float, {
    nullable: true,
    description: 'Mean on the training split (from the manifest), when it records one.',
  })
  referenceMean!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean over the live window.' }) liveMean!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'PSI of the live window against the training deciles (null below DRIFT_MIN_SAMPLES).',
  })
  psi!: number | null;
}

@ObjectType({ description: 'The share of one label among training predictions and live ones.' })
export class ClassShare {
  @Field() label!: string;

  @Field(() => Float) reference!: number;

  @Field(() => Float, { nullable: true }) live!: number | null;
}

@ObjectType({ description: "How a version's live inputs and predictions compare with its training data." })
export class ModelMonitoring implements MonitoringReport {
  @Field() model!: string;

  @Field(() => Int) version!: number;

  @Field(() => Int, { description: 'Samples in the window.' }) samples!: number;

  @Field(() => Int, { description: 'Window size (DRIFT_WINDOW_SAMPLES): the newest samples only.' })
  windowSamples!: number;

  @Field(() => [StatisticDrift]) inputs!: StatisticDrift[];

  @Field(() => StatisticDrift) confidence!: StatisticDrift;

  @Field(() => [ClassShare]) classMix!: ClassShare[];

  @Field(() => Float, { nullable: true, description: 'PSI of the live class mix against the training one.' })
  classMixPsi!: number | null;

  @Field(() => Float, { nullable: true, description: 'The largest PSI above: what the drift alert watches.' })
  driftScore!: number | null;

  @Field(() => Float, { description: 'The drift threshold (DRIFT_ALERT_PSI).' }) alertPsi!: number;

  @Field(() => DriftStatusEnum) status!: DriftStatus;

  @Field(() => [String], { description: 'Reference statistics of the manifest not computed on live traffic.' })
  untracked!: string[];
}
