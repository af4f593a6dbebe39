import type { RequestHandler } from 'express';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import { Role, roleAtLeast } from '../auth/role';
import { ErrorCode } from '../errors/error-code';
import { sendError } from './error-handler';
import { authenticateOnce, type Authenticate } from './request-auth';

/** What the multipart admission needs: who is calling, and the two upload caps. */
export interface UploadAdmissionOptions {
  readonly authenticate: Authenticate;
  /** The cap for callers who may not register models (a prediction batch). */
  readonly maxUploadBytes: number;
  /** The cap for callers who may (an ONNX file); the operation still enforces its own cap while streaming. */
  readonly maxModelBytes: number;
}

/**
 * Multipart bodies are parsed only for authenticated callers: every operation that takes a file needs a role, so an
 * anonymous caller (or one with invalid credentials) is answered `UNAUTHENTICATED` from the headers alone, before a
 * byte of the body is read, with `Connection: close` so that the client stops sending. Callers who may not register
 * models get the upload parser with the prediction cap; admins the larger of both caps.
 */
export function uploadAdmission(options: UploadAdmissionOptions): RequestHandler {
  const { authenticate, maxUploadBytes, maxModelBytes } = options;
  const parserOptions = { maxFiles: 1, maxFieldSize: 64 * 1024 };
  const forPredictions = graphqlUploadExpress({ ...parserOptions, maxFileSize: maxUploadBytes });
  const forModels = graphqlUploadExpress({ ...parserOptions, maxFileSize: Math.max(maxUploadBytes, maxModelBytes) });
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) {
      next();
      return;
    }
    const auth = authenticateOnce(req, authenticate);
    if (auth.status !== 'authenticated') {
      res.set('Connection', 'close');
      sendError(res, ErrorCode.UNAUTHENTICATED, 'Authentication required: send a valid access token or API key.');
      return;
    }
    const parser = roleAtLeast(auth.principal.role, Role.ADMIN) ? forModels : forPredictions;
    parser(req, res, next);
  };
}
