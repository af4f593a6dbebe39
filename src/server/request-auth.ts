import type { Request } from 'express';
import type { PresentedCredentials, RequestAuth } from '../auth/principal';

/** How the server turns the credentials a request presents into who is calling. */
export type Authenticate = (credentials: PresentedCredentials) => RequestAuth;

const authOfRequest = new WeakMap<Request, RequestAuth>();

/** The credentials a request carries in its headers. */
export function credentialsOf(req: Request): PresentedCredentials {
  return { authorization: req.headers.authorization, apiKey: req.get('x-api-key') };
}

/**
 * Authenticates a request from its headers, once: later calls for the same request (the multipart admission, the
 * readiness route, the GraphQL context) return the first outcome.
 */
export function authenticateOnce(req: Request, authenticate: Authenticate): RequestAuth {
  let auth = authOfRequest.get(req);
  if (auth === undefined) {
    auth = authenticate(credentialsOf(req));
    authOfRequest.set(req, auth);
  }
  return auth;
}
