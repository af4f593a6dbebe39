import type { Principal } from './principal';

/** Usernames: the same rule as `ADMIN_USERNAME` in the configuration. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** API key names: a label for humans, so spaces are allowed; no control characters or markup. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9._ -]{1,64}$/;

/**
 * How an actor is recorded in `created_by`: `user:<name>` or `apiKey:<name>`, readable in listings and never
 * ambiguous between a user and a key of the same name.
 */
export function actorLabel(actor: Principal): string {
  return `${actor.kind}:${actor.name}`;
}
