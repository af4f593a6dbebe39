import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors/error-code';

interface HttpishError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  message?: string;
}

/** Sends a GraphQL-shaped error body, so clients parse every failure the same way. */
export function sendError(res: Parameters<RequestHandler>[1], status: number, code: ErrorCode, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Errors raised before GraphQL runs: body parsing and multipart processing. Client errors (4xx with `expose`, the
 * http-errors convention that busboy/body-parser/graphql-upload follow) keep their message; others are masked.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: HttpishError, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = err.status ?? err.statusCode ?? 500;
    if (status === 413) {
      sendError(res, 413, ErrorCode.FILE_TOO_LARGE, err.message ?? 'Request too large.');
    } else if (status >= 400 && status < 500 && err.expose !== false) {
      sendError(res, status, ErrorCode.BAD_REQUEST, err.message ?? 'Bad request.');
    } else {
      logger.error({ err }, 'unexpected error before GraphQL execution');
      sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error.');
    }
  };
}
