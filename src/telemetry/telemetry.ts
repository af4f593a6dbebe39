import type { ApolloServerPlugin } from '@apollo/server';
import { trace, type Tracer } from '@opentelemetry/api';
import type { IMiddleware } from 'graphql-middleware';
import { Registry } from 'prom-client';
import { GatewayMetrics, type MetricsSources } from './gateway-metrics';
import type { Instrumentation } from './instrumentation';
import type { MetricsHistory } from './metrics-history';
import { RequestScopes, type RequestScope } from './request-scope';
import { StageInstrumentation } from './stage-instrumentation';
import { telemetryFieldMiddleware, telemetryPlugin, type TelemetryContext } from './telemetry.plugin';

/** Everything the rest of the gateway receives from the telemetry module. */
export interface Telemetry {
  /** Given to the services: spans and histograms for the stages of a prediction. */
  readonly instrumentation: Instrumentation;
  /** Given to Apollo: the operation span, request metrics, the trace id in `extensions`. */
  readonly plugin: ApolloServerPlugin<TelemetryContext>;
  /** Given to the schema: runs root resolvers inside their request's span and scope. */
  readonly fieldMiddleware: IMiddleware;
  /** Served at `GET /metrics`. */
  readonly metrics: GatewayMetrics;
}

/**
 * Builds the telemetry of one gateway: its own Prometheus registry and a tracer from the OpenTelemetry API (a no-op
 * unless `src/telemetry/register.ts` started the SDK, i.e. unless an OTLP endpoint is configured).
 */
export function createTelemetry(
  sources: MetricsSources,
  history: MetricsHistory,
  tracer: Tracer = trace.getTracer('infergraph'),
): Telemetry {
  const metrics = new GatewayMetrics(new Registry(), sources);
  const scopes = new RequestScopes();
  const deps = { tracer, metrics, scopes, history, byContext: new WeakMap<object, RequestScope>() };
  return {
    instrumentation: new StageInstrumentation(tracer, metrics, scopes),
    plugin: telemetryPlugin(deps),
    fieldMiddleware: telemetryFieldMiddleware(deps),
    metrics,
  };
}
