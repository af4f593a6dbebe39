/** A minimal GraphQL client over real HTTP, including GraphQL multipart request spec uploads. */

/** Where to send a request, and with which credentials: a bare URL is an anonymous caller. */
export type Endpoint = string | { readonly url: string; readonly headers: Readonly<Record<string, string>> };

/** The credential headers of an endpoint, for tests that build requests by hand. */
export function headersOf(endpoint: Endpoint): Record<string, string> {
  return target(endpoint).headers;
}

function target(endpoint: Endpoint): { url: string; headers: Record<string, string> } {
  return typeof endpoint === 'string'
    ? { url: endpoint, headers: {} }
    : { url: endpoint.url, headers: { ...endpoint.headers } };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }[];
  };
}

export const PREDICT = /* GraphQL */ `
  mutation Predict($model: String!, $version: Int, $file: Upload!) {
    predict(model: $model, version: $version, file: $file) {
      model
      version
      shape
      outputs
      labels
      samples {
        id
        index
        label
        probabilities
      }
    }
  }
`;

export async function postJson<T>(
  endpoint: Endpoint,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const { url, headers } = target(endpoint);
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

export interface UploadOptions {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  readonly filename?: string;
  readonly contentType?: string;
  /** Apollo's CSRF prevention requires this header on multipart requests. */
  readonly preflight?: boolean;
}

function predictForm(file: Uint8Array | string, options: UploadOptions): FormData {
  const variables = { model: 'ecg-rhythm', ...options.variables, file: null };
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: options.query ?? PREDICT, variables }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  const blob = new Blob([file], { type: options.contentType ?? 'application/octet-stream' });
  form.append('0', blob, options.filename ?? 'batch.xml');
  return form;
}

/** The encoded multipart body of a `predict` request, for tests that control how it is sent. */
export async function multipartBody(
  file: Uint8Array | string,
  options: UploadOptions = {},
): Promise<{ body: Uint8Array; contentType: string }> {
  const encoded = new Response(predictForm(file, options));
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? '' };
}

/** Sends one file as a multipart GraphQL request; by default the `predict` mutation on `ecg-rhythm`. */
export async function upload<T = { predict: PredictionJson }>(
  endpoint: Endpoint,
  file: Uint8Array | string,
  options: UploadOptions = {},
): Promise<GraphQLResponse<T>> {
  const { url, headers } = target(endpoint);
  if (options.preflight !== false) headers['apollo-require-preflight'] = 'true';
  const res = await fetch(url, { method: 'POST', body: predictForm(file, options), headers });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as GraphQLResponse<T>['body'] };
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
}

export interface PredictionJson {
  model: string;
  version: number;
  shape: number[];
  outputs: number[][];
  labels: string[];
  samples: { id: string; index: number; label: string; probabilities: number[] }[];
}
