import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode } from './error-code';
import { isGatewayError } from './gateway-error';
import { withoutVariableValue } from './variable-value';

/** Codes raised by GraphQL/Apollo themselves whose messages are about the request, so safe to show. */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.BAD_REQUEST,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
]);

/**
 * Apollo's persisted-query refusals that carry no code (so Apollo would report `INTERNAL_SERVER_ERROR`), though they
 * are about the request: a hash that does not match its query, an unsupported protocol version. Matched exactly, on
 * Apollo's own request-level errors only (no original error, no path), and answered as `BAD_REQUEST` (Apollo already
 * sets HTTP 400).
 */
const PERSISTED_QUERY_REFUSALS: ReadonlySet<string> = new Set([
  'provided sha does not match query',
  'Unsupported persisted query version',
]);

function isPersistedQueryRefusal(error: unknown): boolean {
  return (
    error instanceof GraphQLError &&
    error.originalError === undefined &&
    error.extensions['code'] === undefined &&
    PERSISTED_QUERY_REFUSALS.has(error.message)
  );
}

/**
 * Builds Apollo's `formatError`: the single mapping from thrown errors to what clients see.
 *
 * A {@link GatewayError} keeps its code, message and details; GraphQL's own request errors keep their code and
 * message; anything else is logged with its stack and masked as `INTERNAL_SERVER_ERROR`. Stack traces and any other
 * extensions never leave the process.
 */
export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // Apollo re-wraps validation-rule errors (and overwrites their code); the limit rules keep a GatewayError inside.
    const original =
      unwrapped instanceof GraphQLError && isGatewayError(unwrapped.originalError)
        ? unwrapped.originalError
        : unwrapped;
    const where = {
      ...(formatted.locations && { locations: formatted.locations }),
      ...(formatted.path && { path: formatted.path }),
    };
    if (isGatewayError(original)) {
      return { message: original.message, ...where, extensions: { ...original.details, code: original.code } };
    }
    const code = formatted.extensions?.['code'];
    if (typeof code === 'string' && REQUEST_ERROR_CODES.has(code)) {
      const message = withoutVariableValue(original) ?? formatted.message;
      return { message, ...where, extensions: { code } };
    }
    if (formatted.path === undefined && isPersistedQueryRefusal(original)) {
      return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_REQUEST } };
    }
    logger.error({ err: original }, 'unexpected error masked as INTERNAL_SERVER_ERROR');
    return { message: 'Internal server error.', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
