/** Shared helpers for the codec unit tests (not a test file itself). */
import path from 'node:path';

import { GatewayError } from '../../../src/errors/gateway-error';

export const XSD_PATH = path.resolve(__dirname, '..', '..', '..', 'schema', 'batch.v1.xsd');
export const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'xml');
export const NS = 'urn:infergraph:batch:1';

/** `n` space-separated tokens, by default distinct non-integers. */
export function seq(n: number, token: (i: number) => string = (i) => String((i + 1) / 8)): string {
  return Array.from({ length: n }, (_, i) => token(i)).join(' ');
}

/** A batch document; `ids[i]` undefined leaves sample i without an id. Each sample is on its own line (line 3 on). */
export function batchXml(
  samples: readonly string[],
  options: { ids?: readonly (string | undefined)[]; prolog?: string } = {},
): string {
  const lines = samples.map((body, i) => {
    const id = options.ids?.[i];
    return id === undefined ? `  <sample>${body}</sample>` : `  <sample id="${id}">${body}</sample>`;
  });
  return [
    options.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>',
    `<batch xmlns="${NS}">`,
    ...lines,
    '</batch>',
    '',
  ].join('\n');
}

/** Runs `action`, which must throw a GatewayError, and returns that error. */
export function thrown(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw new Error(`expected a GatewayError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a GatewayError, nothing was thrown');
}

/** Async variant of {@link thrown}. */
export async function rejected(action: () => Promise<unknown>): Promise<GatewayError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw new Error(`expected a GatewayError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a GatewayError, nothing was thrown');
}

/** The raw bytes of a float64 array, for bit-exact comparisons (distinguishes -0 from 0). */
export function bitsOf(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Nothing a client sees may reveal server paths, stack frames or library internals. */
export function expectClientSafe(error: GatewayError): void {
  const text = `${error.message} ${JSON.stringify(error.details)}`;
  expect(text).not.toMatch(/\/work\/|node_modules|\.ts:\d+|\bat \w+ \(|root:x:0/);
}
