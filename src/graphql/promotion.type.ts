import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { GateReport } from '../registry/promotion-gate';

@ObjectType({ description: 'An alias and the version it names.' })
export class ModelAlias {
  @Field() alias!: string;

  @Field(() => Int) version!: number;
}

@ObjectType({ description: "The promotion gate's measurements and decision." })
export class PromotionReport implements GateReport {
  @Field() passed!: boolean;

  @Field(() => Int, { description: 'The version proposed.' }) candidate!: number;

  @Field(() => Int, { nullable: true, description: 'The version the alias named, compared against.' }) baseline!:
    number | null;

  @Field(() => Int, { description: 'Golden inputs used.' }) samples!: number;

  @Field(() => Float, { nullable: true, description: 'Largest |output − expected| on the golden inputs.' })
  goldenMaxAbsDiff!: number | null;

  @Field(() => Float) goldenTolerance!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of golden inputs where candidate and baseline agree on the label.',
  })
  agreement!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean |candidate − baseline| over all outputs.' })
  meanAbsDifference!: number | null;

  @Field(() => Float) minAgreement!: number;

  @Field(() => [String], { description: 'Why the gate refused, if it did.' }) problems!: string[];
}

@ObjectType({ description: 'What `promoteModel` did.' })
export class PromotionResult {
  @Field({ description: 'Whether the alias now names the candidate.' }) promoted!: boolean;

  @Field() alias!: string;

  @Field(() => Int, { nullable: true, description: 'The version the alias names after the call.' }) version!:
    number | null;

  @Field(() => PromotionReport) report!: PromotionReport;
}
