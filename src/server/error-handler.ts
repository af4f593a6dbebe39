import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, httpStatusOf } from '../errors/error-code';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
}

/** Sends a GraphQL-shaped error body, so clients parse every failure the same way. */
export function sendError(res: Response, code: ErrorCode, message: string): void {
  res.status(httpStatusOf[code] ?? 400).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Errors raised before GraphQL runs: body parsing and multipart processing. Client errors (4xx with `expose`, the
 * http-errors convention that body-parser and graphql-upload-minimal follow) keep their message; others are masked.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: HttpishError, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = err.status ?? err.statusCode ?? 500;
    const message = err.message ?? 'Bad request.';
    if (status === 413) {
      // graphql-upload-minimal reports both limits it checks here with 413; file sizes are checked later, per file.
      sendError(
        res,
        /max file uploads exceeded/.test(message) ? ErrorCode.TOO_MANY_FILES : ErrorCode.PAYLOAD_TOO_LARGE,
        message,
      );
    } else if (status >= 400 && status < 500 && err.expose !== false) {
      sendError(res, ErrorCode.BAD_REQUEST, message);
    } else {
      logger.error({ err }, 'unexpected error before GraphQL execution');
      sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
    }
  };
}
