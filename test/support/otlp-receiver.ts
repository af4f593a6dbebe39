import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One export request as it reached the receiver. */
export interface OtlpExport {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A span from an OTLP/JSON export, with its attributes flattened to plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly status: { code?: number; message?: string };
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly serviceName: string;
}

interface JsonAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

function plain(value: JsonAnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? '';
}

type JsonAttributes = { key: string; value: JsonAnyValue }[] | undefined;
const attributesOf = (list: JsonAttributes): Record<string, string | number | boolean> =>
  Object.fromEntries((list ?? []).map((a) => [a.key, plain(a.value)]));

/**
 * A minimal OTLP/HTTP receiver for tests (Jaeger cannot run here): it accepts every `POST`, answers 200 with an empty
 * export response, and keeps the raw requests. `spans()` decodes the OTLP/JSON ones (the protobuf ones are kept raw).
 */
export class OtlpReceiver {
  readonly exports: OtlpExport[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.exports.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      const json = (req.headers['content-type'] ?? '').includes('json');
      res
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? '{}' : '');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every span of every OTLP/JSON trace export received so far. */
  spans(): ReceivedSpan[] {
    return this.exports
      .filter((e) => e.path === '/v1/traces' && e.contentType.includes('json'))
      .flatMap((e) => {
        const payload = JSON.parse(e.body.toString('utf8')) as {
          resourceSpans?: {
            resource?: { attributes?: JsonAttributes };
            scopeSpans?: { spans?: Record<string, unknown>[] }[];
          }[];
        };
        return (payload.resourceSpans ?? []).flatMap((rs) => {
          const serviceName = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
          return (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((s) => ({
              traceId: String(s['traceId']),
              spanId: String(s['spanId']),
              parentSpanId: typeof s['parentSpanId'] === 'string' ? s['parentSpanId'] : '',
              name: String(s['name']),
              status: s['status'] ?? {},
              attributes: attributesOf(s['attributes'] as JsonAttributes),
              serviceName,
            })),
          );
        });
      });
  }
}
