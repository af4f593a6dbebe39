/**
 * Exhaustiveness check for switches over discriminated unions: adding a variant makes every switch that forgot it
 * a compile error, and a value that slips past the types at run time fails loudly.
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
