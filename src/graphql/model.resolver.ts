import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { actorLabel } from '../auth/account.rules';
import type { LifecycleJournal } from '../registry/lifecycle-journal';
import type { ModelRegistry } from '../registry/model-registry';
import { principalOf } from './auth.resolver';
import type { GatewayContext } from './context';
import { Model, ModelEvent, ModelVersionType } from './model.type';

/** Read-only queries over the served models. */
@Resolver(() => Model)
export class ModelResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly journal: LifecycleJournal,
  ) {}

  @Query(() => [Model], { description: 'Every served model with its versions, state and input/output specs.' })
  models(): Model[] {
    return this.registry.list().map((entry) => new Model(entry));
  }

  @Query(() => Model, { nullable: true, description: 'One model by name, or null when there is none.' })
  model(@Arg('name') name: string): Model | null {
    const entry = this.registry.get(name);
    return entry === undefined ? null : new Model(entry);
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
}
