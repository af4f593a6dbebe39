import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PredictionResult } from '../prediction/prediction.service';
import type { Route } from '../traffic/traffic-router';
import { elementCount } from '../tensor/tensor';

/** GraphQL mirror of {@link Route}; the record type makes the compiler flag a missing route. */
export const PredictionRoute: { [K in Route]: K } = {
  EXPLICIT: 'EXPLICIT',
  PRODUCTION: 'PRODUCTION',
  CANARY: 'CANARY',
};
registerEnumType(PredictionRoute, {
  name: 'PredictionRoute',
  description: 'Why the request ran on its version: it named the version, the `production` alias, or a canary split.',
});

/** One sample's result. */
@ObjectType({ description: 'The prediction for one sample of the uploaded batch.' })
export class SamplePrediction {
  @Field({ description: 'The sample id from the upload (XML `id` attribute), else its zero-based index.' })
  id!: string;

  @Field(() => Int, { description: 'Zero-based position of the sample in the upload.' })
  index!: number;

  @Field({ description: 'The label of the largest output.' })
  label!: string;

  @Field(() => [Float], { description: "The model's raw outputs for this sample, one per label, unrounded." })
  probabilities!: number[];
}

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i += 1) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/** The outputs of one `predict` call. */
@ObjectType({ description: 'The outputs of a model on an uploaded batch, in upload order.' })
export class Prediction {
  @Field({ description: 'The model that ran.' })
  readonly model: string;

  @Field(() => Int, { description: 'The model version that ran.' })
  readonly version: number;

  @Field(() => PredictionRoute, { description: 'How the version was chosen.' })
  readonly route: Route;

  @Field(() => [Int], { description: 'Shape of `outputs`, e.g. `[x, 2]` for x samples.' })
  readonly shape: number[];

  @Field(() => [[Float]], { description: "The model's raw float64 outputs, one row per sample, unrounded." })
  readonly outputs: number[][];

  @Field(() => [String], { description: 'The meaning of each output column.' })
  readonly labels: string[];

  constructor(private readonly result: PredictionResult) {
    this.model = result.model;
    this.version = result.version;
    this.route = result.route;
    this.shape = [...result.outputs.dims];
    this.labels = [...result.labels];
    const width = elementCount(result.outputs.dims.slice(1));
    this.outputs = Array.from({ length: result.ids.length }, (_, i) =>
      Array.from(result.outputs.data.subarray(i * width, (i + 1) * width)),
    );
  }

  @Field(() => [SamplePrediction], { description: 'Per-sample view of `outputs`, with the winning label.' })
  get samples(): SamplePrediction[] {
    return this.outputs.map((row, index) => ({
      id: this.result.ids[index] ?? String(index),
      index,
      label: this.labels[argmax(row)] ?? String(argmax(row)),
      probabilities: row,
    }));
  }
}
