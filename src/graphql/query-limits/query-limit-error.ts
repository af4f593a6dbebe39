import { GraphQLError, type ASTNode } from 'graphql';
import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';

/** Which limit a document exceeded; the value of `extensions.limit`. */
export type QueryLimitName = 'depth' | 'cost' | 'aliases' | 'directives' | 'tokens' | 'documentSize';

/** What a client learns about an exceeded limit, beside `code: QUERY_LIMIT_EXCEEDED`. */
export interface QueryLimitDetails {
  readonly limit: QueryLimitName;
  readonly max: number;
  /** The measured value; `null` only for a cost too large to measure (see `cost.ts`). */
  readonly actual: number | null;
}

const SUBJECT: Readonly<Record<QueryLimitName, string>> = {
  depth: 'Query depth',
  cost: 'Query cost',
  aliases: 'Query alias count',
  directives: 'Query directive count',
  tokens: 'Query token count',
  documentSize: 'Query document size',
};

/**
 * "Query depth 12 exceeds the limit of 8.", "Query document size 20000 bytes exceeds the limit of 10000 bytes.",
 * "Query cost exceeds the limit of 1000 (it expands to more than 10000 selections)." (unmeasured, with a note).
 */
export function queryLimitMessage({ limit, max, actual }: QueryLimitDetails, note?: string): string {
  const unit = limit === 'documentSize' ? ' bytes' : '';
  const measured = actual === null ? '' : ` ${actual}${unit}`;
  return `${SUBJECT[limit]}${measured} exceeds the limit of ${max}${unit}${note === undefined ? '' : ` (${note})`}.`;
}

/**
 * The error every limit reports: a `GraphQLError` (what validation rules and Apollo plugins must produce) whose
 * `extensions` carry `code: QUERY_LIMIT_EXCEEDED` and the details, and whose `originalError` is the equivalent
 * {@link GatewayError}.
 *
 * The `originalError` matters for validation rules: Apollo re-wraps their errors and overwrites `extensions.code` with
 * `GRAPHQL_VALIDATION_FAILED`, but keeps `originalError`, so `formatError` can still find code and details there.
 * `httpStatus` is for errors thrown from plugin hooks, which Apollo otherwise answers with 500; validation errors
 * get 400 from Apollo already. `note` is appended to the message in parentheses.
 */
export function queryLimitError(
  details: QueryLimitDetails,
  nodes?: ASTNode | readonly ASTNode[],
  options: { readonly httpStatus?: number; readonly note?: string } = {},
): GraphQLError {
  const message = queryLimitMessage(details, options.note);
  const { limit, max, actual } = details;
  return new GraphQLError(message, {
    ...(nodes !== undefined && { nodes }),
    originalError: new GatewayError(ErrorCode.QUERY_LIMIT_EXCEEDED, message, { limit, max, actual }),
    extensions: {
      code: ErrorCode.QUERY_LIMIT_EXCEEDED,
      limit,
      max,
      actual,
      ...(options.httpStatus !== undefined && { http: { status: options.httpStatus } }),
    },
  });
}
