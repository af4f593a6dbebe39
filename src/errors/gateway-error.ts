import type { ErrorCode } from './error-code';

/** Structured, client-safe facts about an error (sample index, line numbers, limits...). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The one error type the gateway throws on purpose.
 *
 * It deliberately does not extend `GraphQLError`: codecs and the inference layer raise it without knowing about
 * GraphQL, and {@link formatError} is the single place that turns it into a client-facing error. Its message and
 * details must be safe to show to a client: never put paths, stack traces or raw library messages in them.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Type guard that survives errors wrapped by GraphQL execution (`originalError`). */
export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
