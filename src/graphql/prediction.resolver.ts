import { Arg, Ctx, Field, InputType, Int, Mutation, Resolver } from 'type-graphql';
import { principalKey } from '../auth/principal';
import type { PredictInput, PredictionService } from '../prediction/prediction.service';
import { principalOf, type GatewayContext } from './context';
import { Prediction } from './prediction.type';
import { uploadSource } from './upload-source';
import { PendingUpload, UploadScalar } from './upload-scalar';

/** One text of a `predictTexts` request. */
@InputType('TextInput', { description: 'One text to classify, and the id its prediction carries.' })
export class TextInput {
  @Field(() => String, { nullable: true, description: 'Echoed as the sample id; default: the index.' })
  id?: string | null;

  @Field({ description: 'UTF-8 text, tokenised as the model was trained (see the model README).' })
  text!: string;
}

/** One image of a `predictImages` request. */
@InputType('ImageInput', { description: 'One image to classify, and the id its prediction carries.' })
export class ImageInput {
  @Field(() => String, { nullable: true, description: 'Echoed as the sample id; default: the index.' })
  id?: string | null;

  @Field({ description: 'A PNG, JPEG or WebP file as base64 (a `data:` URL prefix is allowed).' })
  base64!: string;
}

/** The `version` argument every `predict` mutation takes. */
const VERSION_ARG = {
  nullable: true,
  description:
    'A specific version (never routed to a canary or mirrored to a shadow); default: the `production` alias.',
} as const;

/** The `predict` mutations: thin adapters from GraphQL arguments to {@link PredictionService}. */
@Resolver(() => Prediction)
export class PredictionResolver {
  constructor(
    private readonly predictions: PredictionService,
    private readonly maxUploadBytes: number,
  ) {}

  @Mutation(() => Prediction, {
    description:
      'Runs a model on an uploaded batch: an XML file (urn:infergraph:batch:1, see schema/batch.v1.xsd) or a ' +
      '.npy array of shape (x, L) or (x, L, 1), float64 or float32. Without `version`, the version the `production` alias ' +
      'names runs, or a canary for a sticky share of callers (see `setTrafficPolicy`).',
  })
  async predict(
    @Arg('model', { description: 'Model name, e.g. `ecg-rhythm`.' }) model: string,
    @Arg('file', () => UploadScalar, { description: 'The batch, sent as a multipart upload.' })
    file: PendingUpload,
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, VERSION_ARG) version?: number | null,
  ): Promise<Prediction> {
    return this.run(model, version, { kind: 'file', file: uploadSource(file.file, this.maxUploadBytes) }, ctx);
  }

  @Mutation(() => Prediction, {
    description:
      'Runs a text model (`inputKind: TEXT`) on one or more texts: each is tokenised as the model was trained, ' +
      'and gets one sample of the answer, in order. Routing, canaries and shadows as for `predict`.',
  })
  async predictTexts(
    @Arg('model', { description: 'Model name, e.g. `tweet-sentiment`.' }) model: string,
    @Arg('texts', () => [TextInput], { description: 'At most MAX_SAMPLES_PER_REQUEST texts.' }) texts: TextInput[],
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, VERSION_ARG) version?: number | null,
  ): Promise<Prediction> {
    return this.run(model, version, { kind: 'texts', texts }, ctx);
  }

  @Mutation(() => Prediction, {
    description:
      'Runs an image model (`inputKind: IMAGE`) on one or more images: each is decoded and preprocessed as the ' +
      'model was trained (its manifest says how), and gets one sample of the answer, in order. Routing, canaries ' +
      'and shadows as for `predict`.',
  })
  async predictImages(
    @Arg('model', { description: 'Model name, e.g. `digits`.' }) model: string,
    @Arg('images', () => [ImageInput], { description: 'At most MAX_SAMPLES_PER_REQUEST images.' }) images: ImageInput[],
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, VERSION_ARG) version?: number | null,
  ): Promise<Prediction> {
    return this.run(model, version, { kind: 'images', images }, ctx);
  }

  private async run(
    model: string,
    version: number | null | undefined,
    input: PredictInput,
    ctx: GatewayContext,
  ): Promise<Prediction> {
    const result = await this.predictions.predict({
      model,
      version,
      input,
      principal: principalKey(principalOf(ctx)),
      afterResponse: ctx.afterResponse ?? ((task) => setImmediate(task)),
    });
    return new Prediction(result);
  }
}
