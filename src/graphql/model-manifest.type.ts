import { Field, Float, InputType, Int } from 'type-graphql';
import type { TensorSpec } from '../inference/backend';
import type { ManifestDraft } from '../registry/manifest-draft';

@InputType({ description: 'Name, element type and shape of a model input or output.' })
export class TensorSpecInput {
  @Field() name!: string;

  @Field({ description: 'Element type; the gateway exchanges `float64`.' }) dtype!: string;

  @Field(() => [Int], { nullable: 'items', description: 'Dimensions; `null` marks a dynamic one (the batch axis).' })
  shape!: (number | null)[];
}

/** A dynamic dimension is stored under a symbol, as exporters write it. */
function toSpec(input: TensorSpecInput): TensorSpec {
  return { name: input.name, dtype: input.dtype as TensorSpec['dtype'], shape: input.shape.map((d) => d ?? 'N') };
}

@InputType({
  description:
    'The manifest of a registered version. For a new model, inputs, outputs and labels are required; for a new ' +
    'version, every field defaults to the previous version and the contract (inputs, outputs, labels) must not change.',
})
export class ModelManifestInput {
  @Field(() => String, { nullable: true }) description?: string | null;

  @Field(() => [TensorSpecInput], { nullable: true }) inputs?: TensorSpecInput[] | null;

  @Field(() => [TensorSpecInput], { nullable: true }) outputs?: TensorSpecInput[] | null;

  @Field(() => [String], { nullable: true, description: 'The meaning of each output column.' }) labels?:
    string[] | null;

  @Field(() => Int, { nullable: true, description: 'Samples per ONNX Runtime run (at most BATCH_MAX_SIZE).' })
  maxBatchSize?: number | null;

  @Field(() => [[Float]], {
    nullable: true,
    description:
      "This version's outputs for the first rows of the model's reference inputs (the previous version's golden " +
      'inputs), computed where it was trained. The promotion gate checks the gateway reproduces them.',
  })
  goldenOutputs?: number[][] | null;

  static toDraft(input: ModelManifestInput | null | undefined): ManifestDraft {
    if (input == null) return {};
    return {
      ...input,
      inputs: input.inputs?.map(toSpec) ?? null,
      outputs: input.outputs?.map(toSpec) ?? null,
    };
  }
}
