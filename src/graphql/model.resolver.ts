import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { actorLabel } from '../auth/account.rules';
import type { LifecycleJournal } from '../registry/lifecycle-journal';
import type { ModelRegistry } from '../registry/model-registry';
import type { PromotionService } from '../registry/promotion.service';
import { principalOf } from './auth.resolver';
import type { GatewayContext } from './context';
import { Model, ModelEvent, ModelVersionType } from './model.type';
import { ModelAlias, PromotionResult } from './promotion.type';

/** Read-only queries over the served models. */
@Resolver(() => Model)
export class ModelResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly journal: LifecycleJournal,
    private readonly promotions: PromotionService,
  ) {}

  @Query(() => [Model], { description: 'Every served model with its versions, state and input/output specs.' })
  models(): Model[] {
    return this.registry.list().map((entry) => new Model(entry, this.registry));
  }

  @Query(() => Model, { nullable: true, description: 'One model by name, or null when there is none.' })
  model(@Arg('name') name: string): Model | null {
    const entry = this.registry.get(name);
    return entry === undefined ? null : new Model(entry, this.registry);
  }

  @Query(() => [ModelEvent], { description: "A model's lifecycle changes, newest first: who, when, what, result." })
  modelEvents(
    @Arg('name') name: string,
    @Arg('limit', () => Int, { defaultValue: 50, description: 'At most 500.' }) limit: number,
  ): ModelEvent[] {
    return this.journal.list(name, Math.max(1, Math.min(limit, 500))).map((e) => ({ ...e, id: String(e.id), detail: e.detail ?? null }));
  }

  @Mutation(() => ModelVersionType, { description: 'Loads a model version (default: the newest). A no-op if it is loaded.' })
  async loadModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): Promise<ModelVersionType> {
    return new ModelVersionType(await this.registry.load(name, version, actorLabel(principalOf(ctx))));
  }

  @Mutation(() => ModelVersionType, {
    description:
      'Unloads a model version (default: the newest). New requests for it get MODEL_NOT_READY at once; requests ' +
      'already admitted finish; the answer comes once its memory is freed.',
  })
  async unloadModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('version', () => Int, { nullable: true }) version?: number | null,
  ): Promise<ModelVersionType> {
    return new ModelVersionType(await this.registry.unload(name, version, actorLabel(principalOf(ctx))));
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
    return this.promotions.promote(name, version, alias, actorLabel(principalOf(ctx))) as Promise<PromotionResult>;
  }

  @Mutation(() => ModelAlias, { description: 'Points an alias back at the version it named before (loading it if needed).' })
  async rollbackModel(
    @Arg('name') name: string,
    @Ctx() ctx: GatewayContext,
    @Arg('alias', { defaultValue: 'production' }) alias: string,
  ): Promise<ModelAlias> {
    return { alias, version: await this.promotions.rollback(name, alias, actorLabel(principalOf(ctx))) };
  }
}
