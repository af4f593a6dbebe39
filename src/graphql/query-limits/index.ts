/**
 * Limits on GraphQL documents: depth, cost, aliases, directives, tokens and size. Each limit reports
 * `QUERY_LIMIT_EXCEEDED` with `extensions: { limit, max, actual }` and HTTP 400.
 *
 * | limit          | where                                   | seam                                              |
 * |----------------|-----------------------------------------|---------------------------------------------------|
 * | documentSize   | `queryLimitsMiddleware`                 | HTTP, before Apollo parses (backstop: parse option `maxSourceLength`, as GRAPHQL_PARSE_FAILED) |
 * | tokens         | `queryLimitsMiddleware`                 | HTTP, before Apollo parses (backstop: parse option `maxLexicalTokens`, as GRAPHQL_PARSE_FAILED) |
 * | depth          | `limitValidationRules`                  | validation, once per document (Apollo caches validated documents) |
 * | aliases        | `limitValidationRules`                  | validation                                        |
 * | directives     | `limitValidationRules`                  | validation                                        |
 * | cost           | `queryLimitsPlugin`                     | `didResolveOperation`, per request, with its variables |
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { ParseOptions, ValidationRule } from 'graphql';
import { aliasLimitRule } from './aliases-rule';
import { DEFAULT_COST_MODEL, type CostModel } from './cost';
import { depthLimitRule } from './depth-rule';
import { directiveLimitRule } from './directives-rule';
import { queryLimitsMiddleware } from './query-limits.middleware';
import { queryLimitsPlugin } from './query-limits.plugin';
import type { QueryLimits } from './query-limits';

export { aliasLimitRule } from './aliases-rule';
export {
  costEstimator,
  costModelProblems,
  DEFAULT_COST_MODEL,
  estimateCost,
  type CostEstimate,
  type CostModel,
  type FieldCost,
} from './cost';
export { depthLimitRule } from './depth-rule';
export { directiveLimitRule } from './directives-rule';
export { queryLimitError, queryLimitMessage, type QueryLimitDetails, type QueryLimitName } from './query-limit-error';
export { queryLimitsOf, type QueryLimits } from './query-limits';
export { queryLimitsMiddleware } from './query-limits.middleware';
export { queryLimitsPlugin } from './query-limits.plugin';
export { countTokens, sourceLimitExceeded } from './source-limits';

/** Validation rules for ApolloServer's `validationRules`: depth, aliases and directives. */
export function limitValidationRules(limits: QueryLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
}

/**
 * ApolloServer's `parseOptions`: graphql-js stops parsing past `maxTokens` tokens, and refuses a source longer than
 * `maxDocumentBytes` UTF-16 code units before lexing it (a code unit is never more than a UTF-8 byte, so whatever
 * passes the middleware's byte limit passes this one). Errors arrive as `GRAPHQL_PARSE_FAILED`, HTTP 400, with
 * graphql's messages ("Syntax Error: Document contains more that 1000 tokens. Parsing aborted.", sic, and "Syntax
 * Error: Source contains more than 10000 UTF-16 code units. Parsing aborted."): a backstop behind the middleware,
 * which reports these two limits as `QUERY_LIMIT_EXCEEDED`.
 */
export function limitParseOptions(limits: QueryLimits): ParseOptions {
  return { maxLexicalTokens: limits.maxTokens, maxSourceLength: limits.maxDocumentBytes };
}

/** Everything the gateway wires, from one set of limits: `src/server/` mounts these pieces and no others. */
export interface QueryLimitsWiring {
  readonly validationRules: ValidationRule[];
  readonly parseOptions: ParseOptions;
  readonly plugin: ApolloServerPlugin;
  readonly httpMiddleware: RequestHandler;
}

/** The four pieces of {@link QueryLimitsWiring} for `limits`; `costModel` defaults to {@link DEFAULT_COST_MODEL}. */
export function createQueryLimits(limits: QueryLimits, costModel: CostModel = DEFAULT_COST_MODEL): QueryLimitsWiring {
  return {
    validationRules: limitValidationRules(limits),
    parseOptions: limitParseOptions(limits),
    plugin: queryLimitsPlugin(limits, costModel),
    httpMiddleware: queryLimitsMiddleware(limits),
  };
}
