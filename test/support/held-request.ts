import path from 'node:path';
import { headersOf, multipartBody, type Endpoint } from './graphql-client';
import { npyBytes } from './npy';
import { HELDOUT, readNpy } from './reference';

const L = 5000;
let heldout: Float64Array | undefined;

/** The held-out inputs of the shipped model, `(300, 5000, 1)` flattened (read once). */
export function heldoutInputs(): Float64Array {
  heldout ??= readNpy(path.join(HELDOUT, 'inputs.npy')).data as Float64Array;
  return heldout;
}

/** Polls `check` every 25 ms for up to 10 s. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

/**
 * Starts a prediction of held-out record `sample` whose body stops halfway until `finish()` is called: the request
 * is admitted and waits for the rest of its upload; it takes its version only once the upload has arrived.
 */
export async function heldPrediction(
  endpoint: Endpoint,
  sample: number,
  variables: Record<string, unknown> = {},
): Promise<{ finish(): void; response: Promise<Response> }> {
  const npy = npyBytes({
    descr: '<f8',
    shape: [1, L, 1],
    data: heldoutInputs().subarray(sample * L, (sample + 1) * L),
  });
  const { body, contentType } = await multipartBody(npy, { filename: 'x.npy', variables });
  let finish!: () => void;
  const rest = new Promise<void>((resolve) => (finish = resolve));
  const half = Math.floor(body.length / 2);
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(body.subarray(0, half));
      await rest;
      controller.enqueue(body.subarray(half));
      controller.close();
    },
  });
  const target = typeof endpoint === 'string' ? endpoint : endpoint.url;
  const response = fetch(target, {
    method: 'POST',
    body: stream,
    duplex: 'half',
    headers: { ...headersOf(endpoint), 'content-type': contentType, 'apollo-require-preflight': 'true' },
  });
  return { finish, response };
}
