import type { GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { ModelResolver } from './model.resolver';
import { PredictionResolver } from './prediction.resolver';

/** Every resolver class of the API; the schema is generated from these. */
export const resolvers = [ModelResolver, PredictionResolver] as const;

/**
 * A type-graphql container over resolver instances built by the composition root, so resolvers receive their
 * dependencies explicitly instead of from a global container.
 */
export function containerOf(instances: readonly object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  return {
    get(someClass) {
      const instance = byClass.get(someClass);
      if (instance === undefined) throw new Error(`no instance registered for ${String((someClass as { name?: string }).name)}`);
      return instance;
    },
  };
}

/** Builds the executable schema. Resolver instances come from `container`. */
export function buildGatewaySchema(container: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, container, validate: false });
}
