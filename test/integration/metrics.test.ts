/**
 * `GET /metrics` after real traffic on a real gateway: per-model latency histograms in seconds, batch sizes, samples
 * and errors by code, model gauges, process metrics; names that follow Prometheus conventions and labels that stay
 * bounded whatever clients send.
 */
import { startGateway, type RunningGateway } from '../support/gateway';
import { postJson, upload } from '../support/graphql-client';
import { tokens, xmlBatch } from '../support/xml';

let gw: RunningGateway;
let text: string;

/** `name{labels} value` lines of the exposition, comments left out. */
function samples(exposition: string): { name: string; labels: Record<string, string>; value: number }[] {
  return exposition
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1] as string, labels: labels as Record<string, string>, value: Number(match[3]) };
    });
}

const value = (name: string, labels: Record<string, string>): number | undefined =>
  samples(text).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const PREDICT = { operation: 'predict', model: 'ecg-rhythm', version: '1' };
const MODEL = { model: 'ecg-rhythm', version: '1' };

beforeAll(async () => {
  gw = await startGateway();
  await upload(gw.predictor, xmlBatch(Array.from({ length: 40 }, () => tokens(5000)))); // runs of 32 and 8
  await upload(gw.predictor, xmlBatch([tokens(5000), tokens(5000), tokens(5000)]));
  await upload(gw.predictor, '<batch'); // XML_MALFORMED
  await upload(gw.predictor, xmlBatch([tokens(4999)])); // WRONG_SAMPLE_LENGTH
  await upload(gw.predictor, xmlBatch([tokens(5000)]), { variables: { model: `no-such-model-${Date.now()}` } }); // MODEL_NOT_FOUND
  await postJson(gw.viewer, '{ models { name } }');
  const res = await fetch(`${gw.baseUrl}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  text = await res.text();
});
afterAll(() => gw.stop());

describe('GET /metrics after traffic', () => {
  it('counts predictions and their end-to-end latency in seconds, per operation, model and version', () => {
    expect(value('infergraph_graphql_requests_total', PREDICT)).toBe(4);
    expect(value('infergraph_graphql_request_duration_seconds_count', PREDICT)).toBe(4);
    expect(value('infergraph_graphql_request_duration_seconds_sum', PREDICT)).toBeGreaterThan(0);
    // Seconds: the buckets run from 2 ms to 30 s.
    const bounds = samples(text)
      .filter(
        (s) => s.name === 'infergraph_graphql_request_duration_seconds_bucket' && s.labels['model'] === 'ecg-rhythm',
      )
      .map((s) => s.labels['le']);
    expect(bounds).toEqual([
      '0.002',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '30',
      '+Inf',
    ]);
    expect(value('infergraph_graphql_request_duration_seconds_bucket', { ...PREDICT, le: '+Inf' })).toBe(4);
    expect(value('infergraph_graphql_requests_total', { operation: 'models', model: 'none', version: 'none' })).toBe(1);
  });

  it('counts errors by code', () => {
    expect(value('infergraph_graphql_errors_total', { ...PREDICT, code: 'XML_MALFORMED' })).toBe(1);
    expect(value('infergraph_graphql_errors_total', { ...PREDICT, code: 'WRONG_SAMPLE_LENGTH' })).toBe(1);
    expect(
      value('infergraph_graphql_errors_total', {
        operation: 'predict',
        model: 'none',
        version: 'none',
        code: 'MODEL_NOT_FOUND',
      }),
    ).toBe(1);
  });

  it('records batch sizes, samples, compute, queue wait and XML ingest time', () => {
    expect(value('infergraph_batch_size_count', MODEL)).toBe(3);
    expect(value('infergraph_batch_size_sum', MODEL)).toBe(43);
    expect(value('infergraph_batch_size_bucket', { ...MODEL, le: '4' })).toBe(1);
    expect(value('infergraph_batch_size_bucket', { ...MODEL, le: '8' })).toBe(2);
    expect(value('infergraph_batch_size_bucket', { ...MODEL, le: '32' })).toBe(3);
    expect(value('infergraph_samples_total', MODEL)).toBe(43);
    expect(value('infergraph_inference_duration_seconds_count', MODEL)).toBe(3);
    expect(value('infergraph_queue_wait_seconds_count', MODEL)).toBe(2); // a version is leased once the upload is decoded
    expect(value('infergraph_batch_wait_seconds_count', MODEL)).toBe(2); // the two predictions that reached the batcher
    expect(value('infergraph_ingest_duration_seconds_count', { ...MODEL, format: 'xml' })).toBe(4); // failed decodes included
    expect(value('infergraph_ingest_stage_duration_seconds_count', { ...MODEL, stage: 'xml.validate' })).toBe(3);
  });

  it('reports loaded models, their memory and queue depth, and process metrics', () => {
    expect(value('infergraph_model_loaded', MODEL)).toBe(1);
    expect(value('infergraph_model_info', { ...MODEL, kind: 'signal' })).toBe(1);
    expect(value('infergraph_model_info', { model: 'tweet-sentiment', version: '1', kind: 'text' })).toBe(1);
    expect(value('infergraph_model_info', { model: 'digits', version: '1', kind: 'image' })).toBe(1);
    expect(value('infergraph_model_failed', MODEL)).toBe(0);
    expect(value('infergraph_model_resident_bytes', MODEL)).toBeGreaterThan(0);
    expect(value('infergraph_queue_depth', MODEL)).toBe(0);
    expect(value('process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
    expect(value('nodejs_eventloop_lag_seconds', {})).toBeDefined();
  });

  it('keeps labels bounded and names conventional', () => {
    expect(text).not.toContain('no-such-model');
    const names = new Set(samples(text).map((s) => s.name));
    for (const name of names) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      if (name.startsWith('infergraph_') && name.includes('duration'))
        expect(name).toMatch(/_seconds(_bucket|_sum|_count)?$/);
    }
    const operations = new Set(
      samples(text)
        .filter((s) => s.name === 'infergraph_graphql_requests_total')
        .map((s) => s.labels['operation']),
    );
    expect([...operations].sort()).toEqual(['createApiKey', 'login', 'models', 'predict']);
  });

  it('keeps a per-minute history of the same traffic, queryable through modelMetrics', async () => {
    const res = await postJson<{
      modelMetrics: {
        version: number;
        operation: string;
        requests: number;
        errors: number;
        samples: number;
        meanLatencySeconds: number;
        maxLatencySeconds: number;
      }[];
    }>(
      gw.viewer,
      '{ modelMetrics(name: "ecg-rhythm", minutes: 60) { at version operation requests errors samples meanLatencySeconds maxLatencySeconds } }',
    );
    const buckets = res.body.data?.modelMetrics ?? [];
    const total = (key: 'requests' | 'errors' | 'samples') => buckets.reduce((sum, b) => sum + b[key], 0);
    expect(buckets.map((b) => [b.version, b.operation])).toEqual(buckets.map(() => [1, 'predict']));
    expect([total('requests'), total('errors'), total('samples')]).toEqual([4, 2, 43]);
    for (const b of buckets) expect(b.maxLatencySeconds).toBeGreaterThanOrEqual(b.meanLatencySeconds);
  });
});
