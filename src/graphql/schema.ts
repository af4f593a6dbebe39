import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareGenerator, type IMiddleware } from 'graphql-middleware';
import { buildSchema, type ContainerType } from 'type-graphql';
import { AuthResolver } from './auth.resolver';
import { ModelLifecycleResolver } from './model-lifecycle.resolver';
import { ModelMetricsResolver } from './model-metrics.resolver';
import { ModelResolver } from './model.resolver';
import { PredictionResolver } from './prediction.resolver';
import { UserResolver } from './user.resolver';

/** Every resolver class of the API; the schema is generated from these. */
export const resolvers = [
  ModelResolver,
  ModelLifecycleResolver,
  ModelMetricsResolver,
  PredictionResolver,
  AuthResolver,
  UserResolver,
] as const;

/** Field middleware, applied in order: the first listed runs first (outermost). */
export type SchemaMiddleware = IMiddleware | IMiddlewareGenerator<unknown, unknown, unknown>;

/**
 * A type-graphql container over resolver instances built by the composition root, so resolvers receive their
 * dependencies explicitly instead of from a global container.
 */
export function containerOf(instances: readonly object[]): ContainerType {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  return {
    get(someClass) {
      const instance = byClass.get(someClass);
      if (instance === undefined)
        throw new Error(`no instance registered for ${String((someClass as { name?: string }).name)}`);
      return instance;
    },
  };
}

/** Builds the executable schema: resolver instances come from `container`, then `middleware` wraps the fields. */
export async function buildGatewaySchema(
  container: ContainerType,
  middleware: readonly SchemaMiddleware[] = [],
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers, container, validate: false });
  return middleware.length === 0 ? schema : applyMiddleware(schema, ...(middleware as IMiddleware[]));
}
