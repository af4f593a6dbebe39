import { SpanStatusCode, context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { assertNever } from '../lib/assert-never';
import type { GatewayMetrics } from './gateway-metrics';
import {
  Stage,
  type Instrumentation,
  type RequestTarget,
  type StageAttributes,
  type StageOutcome,
  type StageRecord,
} from './instrumentation';
import type { RequestScope, RequestScopes } from './request-scope';
import { epochMs, failureCode } from './stage-recorder';

/** Span attribute names of the gateway's own (namespaced, as OpenTelemetry asks for custom attributes). */
export const Attr = {
  MODEL: 'infergraph.model',
  VERSION: 'infergraph.model.version',
  ROUTE: 'infergraph.route',
  KIND: 'infergraph.model.kind',
  BATCH_SIZE: 'infergraph.batch.size',
  BYTES: 'infergraph.upload.bytes',
  FORMAT: 'infergraph.batch.format',
  SAMPLES: 'infergraph.batch.samples',
} as const;

/** Marks a span failed with a client-facing error code (never the raw message: it may hold paths or data). */
export function markFailed(span: Span, code: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** A stage under way: the context its work runs in, and how it ends. */
interface RunningStage {
  readonly context: Context;
  /** Ends the stage, now or at `endedAt` (epoch ms). */
  end(outcome: StageOutcome | undefined, endedAt?: number): void;
  /** Ends the stage as failed with the code clients see (unknown errors masked, as in responses). */
  fail(code: string, endedAt?: number): void;
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
    scope.span.setAttributes({
      [Attr.MODEL]: target.model,
      [Attr.VERSION]: target.version,
      [Attr.ROUTE]: target.route,
      [Attr.KIND]: target.kind,
    });
  }

  async stage<T>(
    stage: Stage,
    attributes: StageAttributes,
    fn: () => Promise<T>,
    outcome?: (result: T) => StageOutcome,
  ): Promise<T> {
    const running = this.begin(stage, attributes);
    try {
      const result = await context.with(running.context, fn);
      running.end(outcome?.(result));
      return result;
    } catch (error) {
      running.fail(failureCode(error));
      throw error;
    }
  }

  stageSync<T>(stage: Stage, attributes: StageAttributes, fn: () => T, outcome?: (result: T) => StageOutcome): T {
    const running = this.begin(stage, attributes);
    try {
      const result = context.with(running.context, fn);
      running.end(outcome?.(result));
      return result;
    } catch (error) {
      running.fail(failureCode(error));
      throw error;
    }
  }

  replay(records: readonly StageRecord[]): void {
    for (const { stage, attributes, startedAt, endedAt, outcome, failure } of records) {
      const running = this.begin(stage, attributes, startedAt);
      if (failure === undefined) running.end(outcome, endedAt);
      else running.fail(failure, endedAt);
    }
  }

  private begin(stage: Stage, attributes: StageAttributes, startedAt = epochMs()): RunningStage {
    const scope = this.scopes.current();
    // The active span is the enclosing stage's, or the operation's (set by the field middleware) at the top level.
    const span = this.tracer.startSpan(stage, { startTime: startedAt }, context.active());
    if (attributes.batchSize !== undefined) span.setAttribute(Attr.BATCH_SIZE, attributes.batchSize);
    if (attributes.bytes !== undefined) span.setAttribute(Attr.BYTES, attributes.bytes);
    if (scope !== undefined && scope.model !== 'none')
      span.setAttributes({ [Attr.MODEL]: scope.model, [Attr.VERSION]: Number(scope.version) });
    const end = (outcome: StageOutcome | undefined, endedAt = epochMs()): void =>
      this.end(stage, span, (endedAt - startedAt) / 1000, scope, attributes, outcome, endedAt);
    return {
      context: trace.setSpan(context.active(), span),
      end,
      fail: (code, endedAt) => {
        markFailed(span, code);
        end(undefined, endedAt);
      },
    };
  }

  private end(
    stage: Stage,
    span: Span,
    seconds: number,
    scope: RequestScope | undefined,
    attributes: StageAttributes,
    outcome: StageOutcome | undefined,
    endedAt: number,
  ): void {
    const labels = { model: scope?.model ?? 'none', version: scope?.version ?? 'none' };
    const format = outcome?.format ?? attributes.format;
    if (format !== undefined) span.setAttribute(Attr.FORMAT, format);
    if (outcome?.samples !== undefined) {
      span.setAttribute(Attr.SAMPLES, outcome.samples);
      // Only the whole decode counts: its inner steps report the same samples again.
      if (scope !== undefined && stage === Stage.DECODE) scope.samples += outcome.samples;
    }
    span.end(endedAt);
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
      case Stage.BATCH_WAIT:
        m.batchWait.observe(labels, seconds);
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
