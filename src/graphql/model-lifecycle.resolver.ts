import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import { actorLabel } from '../auth/account-rules';
import type { ModelIngestService } from '../registry/model-ingest.service';
import type { ModelRegistry } from '../registry/model-registry';
import type { PromotionService } from '../registry/promotion.service';
import type { TrafficPolicyService } from '../traffic/traffic-policy.service';
import { principalOf, type GatewayContext } from './context';
import { ModelManifestInput } from './model-manifest.type';
import { ModelVersionType } from './model.type';
import { ModelAlias, PromotionResult } from './promotion.type';
import { TrafficPolicyInput, TrafficPolicyType } from './traffic.type';
import { modelFileSource } from './upload-source';
import { PendingUpload, UploadScalar } from './upload-scalar';

/** What the lifecycle mutations are built from. */
export interface ModelLifecycleDeps {
  readonly registry: ModelRegistry;
  readonly ingest: ModelIngestService;
  readonly promotions: PromotionService;
  readonly traffic: TrafficPolicyService;
  readonly maxModelBytes: number;
}

const actorOf = (ctx: GatewayContext): string => actorLabel(principalOf(ctx));

/** The model lifecycle mutations (all ADMIN): register, load, unload, promote, roll back, split traffic. */
@Resolver()
export class ModelLifecycleResolver {
  constructor(private readonly deps: ModelLifecycleDeps) {}

  @Mutation(() => ModelVersionType, {
    description:
      'Registers an ONNX file as a new model, or as the next version of an existing one. The file is checked before ' +
      'it is kept (ONNX Runtime opens it, its inputs and outputs match the manifest and the model contract, it runs a ' +
      'batch) and moved into place atomically; a rejected or interrupted upload leaves nothing. The version starts UNLOADED.',
  })
  registerModel(
    @Arg('name') name: string,
    @Arg('file', () => UploadScalar, { description: 'The .onnx file, sent as a multipart upload.' })
    file: PendingUpload,
    @Ctx() ctx: GatewayContext,
    @Arg('manifest', () => ModelManifestInput, { nullable: true }) manifest?: ModelManifestInput | null,
  ): Promise<ModelVersionType> {
    const source = modelFileSource(file.file, this.deps.maxModelBytes);
    return this.deps.ingest
      .register(name, source, ModelManifestInput.toDraft(manifest), actorOf(ctx))
      .then((v) => new ModelVersionType(v));
  }

  @Mutation(() => ModelVersionType, {
    description:
      'Loads a model version (default: `production`), unloading least recently used idle versions if the memory ' +
      'budget requires. A no-op if it is loaded.',
  })
  async loadModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): Promise<ModelVersionType> {
    return new ModelVersionType(await this.deps.registry.load(name, version, actorOf(ctx)));
  }

  @Mutation(() => ModelVersionType, {
    description:
      'Unloads a model version (default: `production`). New requests for it get MODEL_NOT_READY at once; requests ' +
      'already admitted finish; the answer comes once its memory is freed.',
  })
  async unloadModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): Promise<ModelVersionType> {
    return new ModelVersionType(await this.deps.registry.unload(name, version, actorOf(ctx)));
  }

  @Mutation(() => PromotionResult, {
    description:
      'Points an alias (default `production`, what requests without a version get) at a loaded version, if it passes ' +
      'the gate: its golden inputs reproduce their expected outputs, and it agrees with the current version.',
  })
  promoteModel(
    @Arg('name') name: string,
    @Arg('version', () => Int) version: number,
    @Ctx() ctx: GatewayContext,
    @Arg('alias', { defaultValue: 'production' }) alias: string,
  ): Promise<PromotionResult> {
    return this.deps.promotions.promote(name, version, alias, actorOf(ctx)) as Promise<PromotionResult>;
  }

  @Mutation(() => ModelAlias, {
    description: 'Points an alias back at the version it named before (loading it if needed).',
  })
  async rollbackModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('alias', { defaultValue: 'production' }) alias: string,
  ): Promise<ModelAlias> {
    return { alias, version: await this.deps.promotions.rollback(name, alias, actorOf(ctx)) };
  }

  @Mutation(() => TrafficPolicyType, {
    description:
      "Sets a model's canary (a version serving a sticky share of callers) and shadow (a version run on copies of " +
      'production requests after their response). Both only receive traffic while loaded. Compare them with `modelComparison`.',
  })
  setTrafficPolicy(
    @Arg('name') name: string,
    @Arg('policy', () => TrafficPolicyInput) policy: TrafficPolicyInput,
    @Ctx() ctx: GatewayContext,
  ): TrafficPolicyType {
    return TrafficPolicyType.from(this.deps.traffic.set(name, TrafficPolicyInput.toPolicy(policy), actorOf(ctx)));
  }
}
