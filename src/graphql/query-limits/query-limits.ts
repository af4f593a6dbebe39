import type { LimitsConfig } from '../../config/config';

/** Bounds on one GraphQL document. Each is inclusive: a value equal to its bound passes, one above is refused. */
export interface QueryLimits {
  /** Deepest nesting of fields in an operation: `{ models { name } }` has depth 1. Introspection fields are not counted. */
  readonly maxDepth: number;
  /** Highest estimated cost of the executed operation (see `cost.ts` for the model). */
  readonly maxCost: number;
  /** Most aliased fields in an operation, a fragment counting once per spread. */
  readonly maxAliases: number;
  /** Most directive applications in an operation, a fragment counting once per spread. */
  readonly maxDirectives: number;
  /** Most lexical tokens in a document, as graphql-js counts them (comments are not tokens). */
  readonly maxTokens: number;
  /** Longest document, in UTF-8 bytes. */
  readonly maxDocumentBytes: number;
}

/** The document limits of the gateway's configuration. */
export function queryLimitsOf(config: LimitsConfig): QueryLimits {
  return Object.freeze({
    maxDepth: config.maxQueryDepth,
    maxCost: config.maxQueryCost,
    maxAliases: config.maxAliases,
    maxDirectives: config.maxDirectives,
    maxTokens: config.maxTokens,
    maxDocumentBytes: config.maxDocumentBytes,
  });
}
