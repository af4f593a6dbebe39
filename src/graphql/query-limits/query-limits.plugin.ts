import type { ApolloServerPlugin } from '@apollo/server';
import { costModelProblems, DEFAULT_COST_MODEL, estimateCost, type CostModel } from './cost';
import { queryLimitError } from './query-limit-error';
import type { QueryLimits } from './query-limits';

/**
 * The Apollo plugin for the limit that needs the request, not just the document: cost, which depends on the
 * variables (`@include(if: $flag)`). It runs at `didResolveOperation`, after validation and before execution, the
 * documented seam for `graphql-query-complexity` in Apollo and the only pre-execution hook whose errors Apollo turns
 * into a response; the error carries HTTP 400.
 *
 * At start-up it checks the cost model against the schema and fails the start on an unknown coordinate or a list
 * size on a field that is not a list, so that a typo cannot silently make `predict` cost 1.
 */
export function queryLimitsPlugin(limits: QueryLimits, costModel: CostModel = DEFAULT_COST_MODEL): ApolloServerPlugin {
  return {
    async serverWillStart({ schema }) {
      const problems = costModelProblems(schema, costModel);
      if (problems.length > 0)
        throw new Error(`Invalid query cost model:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation === undefined) return; // no operation to run: Apollo answers that itself
          const estimate = estimateCost(schema, document, operation, request.variables, costModel);
          if (estimate.kind === 'badVariables' || (estimate.kind === 'measured' && estimate.cost <= limits.maxCost))
            return;
          const actual = estimate.kind === 'measured' ? estimate.cost : null;
          throw queryLimitError({ limit: 'cost', max: limits.maxCost, actual }, operation, {
            httpStatus: 400,
            ...(actual === null && { note: `it expands to more than ${costModel.maxNodes} selections` }),
          });
        },
      };
    },
  };
}
