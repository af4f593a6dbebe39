import type { IMiddleware } from 'graphql-middleware';
import type { IMiddlewareResolver } from 'graphql-middleware/dist/types';
import { principalKey } from '../auth/principal';
import type { PredictAdmission } from '../admission/predict-admission';
import type { GatewayContext } from './context';

/**
 * Field middleware on the mutations that run a model (`predict`, `predictTexts`, `predictImages`). It runs per resolver call, so every
 * alias of them in one document takes its own unit of budget and its own concurrency slot. Runs after the permission layer, so the caller is
 * authenticated here.
 */
export function predictAdmissionMiddleware(admission: PredictAdmission): IMiddleware {
  const admitted: IMiddlewareResolver<unknown, GatewayContext> = async (resolve, parent, args, ctx, info) => {
    const key = ctx.auth.status === 'authenticated' ? principalKey(ctx.auth.principal) : `address:${ctx.address}`;
    const release = await admission.admit(key);
    try {
      // graphql-middleware types a resolver's result as `any`; this middleware only passes it through.
      const result: unknown = await resolve(parent, args, ctx, info);
      return result;
    } finally {
      release();
    }
  };
  return { Mutation: { predict: admitted, predictTexts: admitted, predictImages: admitted } };
}
