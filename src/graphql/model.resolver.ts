import { Arg, Query, Resolver } from 'type-graphql';
import type { ModelRegistry } from '../registry/model-registry';
import { Model } from './model.type';

/** Read-only queries over the served models. */
@Resolver(() => Model)
export class ModelResolver {
  constructor(private readonly registry: ModelRegistry) {}

  @Query(() => [Model], { description: 'Every served model with its versions, state and input/output specs.' })
  models(): Model[] {
    return this.registry.list().map((entry) => new Model(entry));
  }

  @Query(() => Model, { nullable: true, description: 'One model by name, or null when there is none.' })
  model(@Arg('name') name: string): Model | null {
    const entry = this.registry.get(name);
    return entry === undefined ? null : new Model(entry);
  }
}
