import type { RequestHandler } from 'express';
import { ErrorCode } from '../errors/error-code';
import { sendError } from './error-handler';

/** The headers Apollo Server's CSRF prevention accepts as proof of a CORS preflight. */
const PREFLIGHT_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'] as const;

/**
 * Apollo checks CSRF only once the body is parsed; for multipart requests that would mean streaming and parsing an
 * upload that is then refused. This applies Apollo's rule for multipart bodies before the upload middleware runs:
 * a browser cannot send these headers cross-origin without a CORS preflight that the allowlist would refuse.
 */
export function multipartCsrfGuard(): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data') || PREFLIGHT_HEADERS.some((h) => req.headers[h] !== undefined)) {
      next();
      return;
    }
    res.set('Connection', 'close');
    sendError(
      res,
      ErrorCode.BAD_REQUEST,
      'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Multipart requests must ' +
        'carry a non-empty `Apollo-Require-Preflight` header.',
    );
  };
}
