import { SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { isGatewayError } from '../errors/gateway-error';
import { assertNever } from '../lib/assert-never';
import type { GatewayMetrics } from './gateway-metrics';
import { Stage, type Instrumentation, type RequestTarget, type StageAttributes, type StageOutcome } from './instrumentation';
import type { RequestScope, RequestScopes } from './request-scope';

/** Span attribute names of the gateway's own (namespaced, as OpenTelemetry asks for custom attributes). */
export const Attr = {
  MODEL: 'infergraph.model',
  VERSION: 'infergraph.model.version',
  ROUTE: 'infergraph.route',
  BATCH_SIZE: 'infergraph.batch.size',
  BYTES: 'infergraph.upload.bytes',
  FORMAT: 'infergraph.batch.format',
  SAMPLES: 'infergraph.batch.samples',
} as const;

/** The code clients see for an error: the gateway's own, else the generic one (the same masking as the responses). */
export function errorType(error: unknown): string {
  return isGatewayError(error) ? error.code : 'INTERNAL_SERVER_ERROR';
}

/** Marks a span failed with the client-facing error code (never the raw message: it may hold paths or data). */
export function recordFailure(span: Span, error: unknown): void {
  const type = errorType(error);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** {@link Instrumentation} over OpenTelemetry spans (children of the request's GraphQL span) and Prometheus histograms. */
export class StageInstrumentation implements Instrumentation {
  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: GatewayMetrics,
    private readonly scopes: RequestScopes,
  ) {}

  target(target: RequestTarget): void {
    const scope = this.scopes.current();
    if (scope === undefined) return;
    scope.model = target.model;
    scope.version = String(target.version);
    scope.span.setAttributes({ [Attr.MODEL]: target.model, [Attr.VERSION]: target.version, [Attr.ROUTE]: target.route });
  }

  async stage<T>(stage: Stage, attributes: StageAttributes, fn: () => Promise<T>, outcome?: (result: T) => StageOutcome): Promise<T> {
    const { span, started, scope } = this.begin(stage, attributes);
    try {
      const result = await context.with(trace.setSpan(context.active(), span), fn);
      this.end(stage, span, started, scope, attributes, outcome?.(result));
      return result;
    } catch (error) {
      recordFailure(span, error);
      this.end(stage, span, started, scope, attributes, undefined);
      throw error;
    }
  }

  stageSync<T>(stage: Stage, attributes: StageAttributes, fn: () => T, outcome?: (result: T) => StageOutcome): T {
    const { span, started, scope } = this.begin(stage, attributes);
    try {
      const result = context.with(trace.setSpan(context.active(), span), fn);
      this.end(stage, span, started, scope, attributes, outcome?.(result));
      return result;
    } catch (error) {
      recordFailure(span, error);
      this.end(stage, span, started, scope, attributes, undefined);
      throw error;
    }
  }

  private begin(stage: Stage, attributes: StageAttributes): { span: Span; started: number; scope: RequestScope | undefined } {
    const scope = this.scopes.current();
    // The active span is the enclosing stage's, or the operation's (set by the field middleware) at the top level.
    const span = this.tracer.startSpan(stage, {}, context.active());
    if (attributes.batchSize !== undefined) span.setAttribute(Attr.BATCH_SIZE, attributes.batchSize);
    if (attributes.bytes !== undefined) span.setAttribute(Attr.BYTES, attributes.bytes);
    if (scope !== undefined && scope.model !== 'none') span.setAttributes({ [Attr.MODEL]: scope.model, [Attr.VERSION]: Number(scope.version) });
    return { span, started: performance.now(), scope };
  }

  private end(stage: Stage, span: Span, started: number, scope: RequestScope | undefined, attributes: StageAttributes, outcome: StageOutcome | undefined): void {
    const seconds = (performance.now() - started) / 1000;
    const labels = { model: scope?.model ?? 'none', version: scope?.version ?? 'none' };
    const format = outcome?.format ?? attributes.format;
    if (format !== undefined) span.setAttribute(Attr.FORMAT, format);
    if (outcome?.samples !== undefined) {
      span.setAttribute(Attr.SAMPLES, outcome.samples);
      // Only the whole decode counts: its inner steps report the same samples again.
      if (scope !== undefined && stage === Stage.DECODE) scope.samples += outcome.samples;
    }
    span.end();
    const m = this.metrics;
    switch (stage) {
      case Stage.UPLOAD:
        m.uploadDuration.observe(labels, seconds);
        break;
      case Stage.DECODE:
        m.ingestDuration.observe({ ...labels, format: format ?? 'unknown' }, seconds);
        break;
      case Stage.QUEUE_WAIT:
        m.queueWait.observe(labels, seconds);
        break;
      case Stage.XML_PARSE:
      case Stage.XML_VALIDATE:
      case Stage.XML_VALUES:
      case Stage.NPY_DECODE:
        m.ingestStageDuration.observe({ ...labels, stage }, seconds);
        break;
      case Stage.ORT_RUN:
        m.inferenceDuration.observe(labels, seconds);
        m.batchSize.observe(labels, attributes.batchSize ?? 0);
        m.samples.inc(labels, attributes.batchSize ?? 0);
        break;
      default:
        assertNever(stage);
    }
  }
}
