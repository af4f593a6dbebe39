import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import { principalKey } from '../auth/principal';
import type { PredictionService } from '../prediction/prediction.service';
import { principalOf, type GatewayContext } from './context';
import { Prediction } from './prediction.type';
import { uploadSource } from './upload-source';
import { PendingUpload, UploadScalar } from './upload-scalar';

/** The `predict` mutation: a thin adapter from GraphQL arguments to {@link PredictionService}. */
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
    @Arg('version', () => Int, {
      nullable: true,
      description:
        'A specific version (never routed to a canary or mirrored to a shadow); default: the `production` alias.',
    })
    version?: number | null,
  ): Promise<Prediction> {
    const result = await this.predictions.predict({
      model,
      version,
      file: uploadSource(file.file, this.maxUploadBytes),
      principal: principalKey(principalOf(ctx)),
      afterResponse: ctx.afterResponse ?? ((task) => setImmediate(task)),
    });
    return new Prediction(result);
  }
}
