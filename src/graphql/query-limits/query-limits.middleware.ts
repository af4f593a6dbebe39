import type { RequestHandler } from 'express';
import { ErrorCode } from '../../errors/error-code';
import { queryLimitMessage } from './query-limit-error';
import type { QueryLimits } from './query-limits';
import { sourceLimitExceeded } from './source-limits';

/**
 * Express middleware for `/graphql` that refuses a document over `maxDocumentBytes` (UTF-8) or `maxTokens` before
 * Apollo parses it, answering HTTP 400 with `QUERY_LIMIT_EXCEEDED` and the numbers.
 *
 * Why a middleware: inside Apollo no hook before parsing can refuse a request cleanly. An error thrown from
 * `requestDidStart`, `didResolveSource` or `parsingDidStart` is not caught by Apollo's request pipeline and becomes a
 * masked 500 ("Unexpected error processing request"); and a parse error (the `maxLexicalTokens` / `maxSourceLength`
 * parse options) always reaches clients as `GRAPHQL_PARSE_FAILED`. Those parse options remain the backstop for
 * requests that do not come through this middleware.
 *
 * Mount it after the body parsers (`express.json`, `graphqlUploadExpress`) and before Apollo's `expressMiddleware`.
 * It reads `query` from a JSON or multipart body (each entry of a batch) or, for GET, from the query string; anything
 * else is left to Apollo.
 */
export function queryLimitsMiddleware(limits: QueryLimits): RequestHandler {
  return (req, res, next) => {
    for (const query of documentsOf(req.method === 'GET' ? req.query : req.body)) {
      const exceeded = sourceLimitExceeded(query, limits);
      if (exceeded !== undefined) {
        res.status(400).json({
          errors: [
            {
              message: queryLimitMessage(exceeded),
              extensions: { ...exceeded, code: ErrorCode.QUERY_LIMIT_EXCEEDED },
            },
          ],
        });
        return;
      }
    }
    next();
  };
}

function documentsOf(payload: unknown): string[] {
  const entries: unknown[] = Array.isArray(payload) ? payload : [payload];
  return entries.flatMap((entry) => {
    const query: unknown =
      typeof entry === 'object' && entry !== null ? (entry as { query?: unknown }).query : undefined;
    return typeof query === 'string' ? [query] : [];
  });
}
