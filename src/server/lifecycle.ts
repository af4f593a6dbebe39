import { assertNever } from '../lib/assert-never';

/**
 * The server's life, as a discriminated union: readiness and request admission are derived from it, never from
 * scattered booleans.
 */
export type ServerPhase =
  | { readonly phase: 'created' }
  | { readonly phase: 'serving'; readonly port: number; readonly since: Date }
  | { readonly phase: 'draining'; readonly since: Date }
  | { readonly phase: 'stopped' };

/** Whether new requests are admitted in this phase. */
export function admitsRequests(state: ServerPhase): boolean {
  switch (state.phase) {
    case 'serving':
      return true;
    case 'created':
    case 'draining':
    case 'stopped':
      return false;
    default:
      return assertNever(state);
  }
}
