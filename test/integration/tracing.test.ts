/**
 * Traces as an operator gets them: the gateway runs as its own process with the tracing preload (`-r register`),
 * exports over OTLP/HTTP to a receiver this suite starts (Jaeger cannot run here), and continues the client's W3C
 * `traceparent`. The source runs through ts-node, so this suite does not race `process.test.ts` over `dist/`.
 */
import { randomBytes } from 'node:crypto';
import { loginAs, TEST_ADMIN } from '../support/gateway';
import { startProcess, type Started } from '../support/gateway-process';
import { headersOf, multipartBody, type Endpoint } from '../support/graphql-client';
import { until } from '../support/held-request';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { tokens, xmlBatch } from '../support/xml';

jest.setTimeout(120_000);

const FROM_SOURCE = ['-r', 'ts-node/register/transpile-only', '-r', './src/telemetry/register.ts', 'src/main.ts'];
/** 40 samples: two ONNX Runtime runs (32 + 8). */
const BATCH = xmlBatch(Array.from({ length: 40 }, (_, i) => tokens(5000, (j) => String(Math.sin((i + j) / 10)))));

interface Traced {
  readonly status: number;
  readonly body: { data?: unknown; errors?: { extensions?: { code?: string } }[]; extensions?: { traceId?: string } };
}

/** A predict as a client with its own trace: `traceparent` names the client's trace and span. */
async function predictTraced(
  admin: Endpoint,
  port: number,
  file: string,
  traceId: string,
  parentId: string,
): Promise<Traced> {
  const { body, contentType } = await multipartBody(file, { filename: 'batch.xml' });
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    body,
    headers: {
      ...headersOf(admin),
      'content-type': contentType,
      'apollo-require-preflight': 'true',
      traceparent: `00-${traceId}-${parentId}-01`,
    },
  });
  return { status: res.status, body: (await res.json()) as Traced['body'] };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('OTLP/HTTP JSON export of a prediction', () => {
  const receiver = new OtlpReceiver();
  let gateway: Started;
  let admin: Endpoint;
  beforeAll(async () => {
    const endpoint = await receiver.start();
    gateway = await startProcess(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'infergraph-test',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      FROM_SOURCE,
    );
    admin = await loginAs(`http://127.0.0.1:${gateway.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
  });
  afterAll(async () => {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await receiver.stop();
  });

  /** The trace's spans once those named `last` have arrived (they end after the response, in any order). */
  const traceOf = async (traceId: string, ...last: string[]): Promise<ReceivedSpan[]> => {
    const arrived = (): ReceivedSpan[] => receiver.spans().filter((s) => s.traceId === traceId);
    await until(async () => last.every((name) => arrived().some((s) => s.name === name)));
    return arrived();
  };

  it('continues the client trace with the HTTP, GraphQL and stage spans, and names it in the response', async () => {
    const [traceId, clientSpan] = [hex(16), hex(8)];
    const res = await predictTraced(admin, gateway.port, BATCH, traceId, clientSpan);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.extensions?.traceId).toBe(traceId);
    const spans = await traceOf(traceId, 'POST', 'mutation Predict', 'graphql.response.encode');
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [httpSpan] = named('POST');
    const [operation] = named('mutation Predict');
    expect(httpSpan?.parentSpanId).toBe(clientSpan);
    expect(operation?.parentSpanId).toBe(httpSpan?.spanId);
    expect(operation?.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'Predict',
      'infergraph.model': 'ecg-rhythm',
      'infergraph.model.version': 1,
      'infergraph.route': 'PRODUCTION',
      'infergraph.model.kind': 'signal',
    });
    for (const name of [
      'upload.receive',
      'batch.decode',
      'batch.queue_wait',
      'batch.wait',
      'graphql.response.encode',
    ]) {
      expect([name, named(name).map((s) => s.parentSpanId)]).toEqual([name, [operation?.spanId]]);
    }
    const [decode] = named('batch.decode');
    expect(decode?.attributes).toMatchObject({ 'infergraph.batch.format': 'xml', 'infergraph.batch.samples': 40 });
    for (const name of ['xml.parse', 'xml.validate']) {
      expect([name, named(name).map((s) => s.parentSpanId)]).toEqual([name, [decode?.spanId]]);
    }
    // The 40 values are read in two parts on the XML worker: one batch inside the decode, the rest while it runs.
    const parts = named('xml.values').map((s) => [s.parentSpanId, s.attributes['infergraph.batch.samples']]);
    expect(parts).toEqual([
      [decode?.spanId, 32],
      [operation?.spanId, 8],
    ]);
    const runs = named('onnxruntime.run');
    expect(
      runs.map((s) => [
        s.parentSpanId,
        s.attributes['infergraph.batch.size'],
        s.attributes['infergraph.model'],
        s.attributes['infergraph.model.version'],
      ]),
    ).toEqual([
      [operation?.spanId, 32, 'ecg-rhythm', 1],
      [operation?.spanId, 8, 'ecg-rhythm', 1],
    ]);
    expect(new Set(spans.map((s) => s.serviceName))).toEqual(new Set(['infergraph-test']));
  });

  it('records a failure on the operation and the failing stage with error.type, without the message', async () => {
    const [traceId, clientSpan] = [hex(16), hex(8)];
    const res = await predictTraced(
      admin,
      gateway.port,
      '<batch xmlns="urn:infergraph:batch:1"><sample>1 2',
      traceId,
      clientSpan,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('XML_MALFORMED');
    expect(res.body.extensions?.traceId).toBe(traceId);
    const spans = await traceOf(traceId, 'POST', 'mutation Predict');
    const failed = spans
      .filter((s) => s.attributes['error.type'] !== undefined)
      .map((s) => [s.name, s.attributes['error.type'], s.status.code]);
    expect(failed).toEqual(
      expect.arrayContaining([
        ['mutation Predict', 'XML_MALFORMED', 2],
        ['batch.decode', 'XML_MALFORMED', 2],
        ['xml.parse', 'XML_MALFORMED', 2],
      ]),
    );
    expect(JSON.stringify(spans)).not.toMatch(/Premature end|libxml/i);
  });

  it('does not trace health probes and metric scrapes', async () => {
    const before = receiver.spans().length;
    await fetch(`http://127.0.0.1:${gateway.port}/healthz`);
    await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
    const [traceId, clientSpan] = [hex(16), hex(8)];
    await predictTraced(admin, gateway.port, BATCH, traceId, clientSpan);
    await traceOf(traceId, 'POST');
    const since = receiver.spans().slice(before);
    expect(since.filter((s) => s.traceId !== traceId && s.name === 'GET')).toEqual([]);
  });
});

describe('OTLP/HTTP protobuf export', () => {
  it('sends the trace as protobuf to /v1/traces', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const gateway = await startProcess(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      FROM_SOURCE,
    );
    try {
      const admin = await loginAs(`http://127.0.0.1:${gateway.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
      const traceId = hex(16);
      const res = await predictTraced(admin, gateway.port, BATCH, traceId, hex(8));
      expect(res.body.extensions?.traceId).toBe(traceId);
      const carries = (e: { body: Buffer }) =>
        e.body.includes(Buffer.from(traceId, 'hex')) && e.body.includes(Buffer.from('onnxruntime.run'));
      await until(async () => receiver.exports.some(carries));
      const exported = receiver.exports.filter(carries);
      expect(exported.map((e) => [e.path, e.contentType])).toEqual(
        exported.map(() => ['/v1/traces', 'application/x-protobuf']),
      );
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
      await receiver.stop();
    }
  });
});

describe('without an OTLP endpoint', () => {
  it('exports nothing, says nothing about it, and puts no trace id in responses', async () => {
    const gateway = await startProcess({}, FROM_SOURCE);
    try {
      const admin = await loginAs(`http://127.0.0.1:${gateway.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
      const res = await predictTraced(admin, gateway.port, BATCH, hex(16), hex(8));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.extensions?.traceId).toBeUndefined();
      expect(gateway.output()).not.toMatch(/opentelemetry|OTLP|otlp/);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
  });
});
