import { Arg, Int, Mutation, Resolver } from 'type-graphql';
import type { PredictionService } from '../prediction/prediction.service';
import { Prediction } from './prediction.type';
import { uploadSource } from './upload-source';
import { PendingUpload, UploadScalar } from './upload.scalar';

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
      '.npy array of shape (x, L) or (x, L, 1), float64 or float32. Without `version`, the version the `production` alias names runs (the newest while unset).',
  })
  async predict(
    @Arg('model', { description: 'Model name, e.g. `ecg-rhythm`.' }) model: string,
    @Arg('file', () => UploadScalar, { description: 'The batch, sent as a multipart upload.' })
    file: PendingUpload,
    @Arg('version', () => Int, { nullable: true, description: 'A specific version; default: the `production` alias (the newest while unset).' })
    version?: number | null,
  ): Promise<Prediction> {
    const result = await this.predictions.predict({ model, version, file: uploadSource(file.file, this.maxUploadBytes) });
    return new Prediction(result);
  }
}
