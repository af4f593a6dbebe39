import type { ApolloServerPlugin } from '@apollo/server';
import { context, isSpanContextValid, trace, type Tracer } from '@opentelemetry/api';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { IMiddleware, IMiddlewareFunction } from 'graphql-middleware';
import type { GatewayMetrics } from './gateway-metrics';
import type { MetricsHistory } from './metrics-history';
import type { RequestScope, RequestScopes } from './request-scope';
import { markFailed } from './stage-instrumentation';

/** GraphQL span attributes from the (incubating) semantic conventions, copied here as OpenTelemetry recommends. */
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';

/**
 * What telemetry needs of a request's GraphQL context, which the server builds (`GatewayContext` satisfies it). The
 * context object itself is the key the request's scope is found again by.
 */
export interface TelemetryContext {
  /** Runs `task` once the response has been sent; without it, the request is timed when its result is ready. */
  readonly afterResponse?: (task: () => void) => void;
}

/** What the plugin and the field middleware share. */
export interface TelemetryPluginDeps {
  readonly tracer: Tracer;
  readonly metrics: GatewayMetrics;
  readonly scopes: RequestScopes;
  /** Each request's scope, found again by its GraphQL context object. */
  readonly byContext: WeakMap<object, RequestScope>;
  /** The per-minute history of model traffic. */
  readonly history: MetricsHistory;
}

/** The first root field of the operation: the `operation` label (bounded by the schema, unlike operation names). */
function rootField(operation: OperationDefinitionNode): string {
  const field = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return field?.kind === Kind.FIELD ? field.name.value : 'unknown';
}

/** An error's `extensions.code`: a string on every error the gateway's `formatError` shaped; otherwise internal. */
function errorCodeOf(code: unknown): string {
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * One span per GraphQL operation (named `<type> <operationName>`, semantic-convention attributes, `error.type` set to
 * the first error's code), the request metrics (count, errors by code, end-to-end duration once the response is
 * written), a `graphql.response.encode` span from the result to the last byte, and the trace id in `extensions`.
 */
export function telemetryPlugin(deps: TelemetryPluginDeps): ApolloServerPlugin<TelemetryContext> {
  const { tracer, metrics, byContext, history } = deps;
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const span = tracer.startSpan('graphql', {}, context.active());
      const scope: RequestScope = { operation: 'unknown', model: 'none', version: 'none', samples: 0, span };
      byContext.set(contextValue, scope);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation === undefined) return;
          scope.operation = rootField(operation);
          span.updateName(operationName ? `${operation.operation} ${operationName}` : operation.operation);
          span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, operation.operation);
          if (operationName) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, operationName);
        },
        async willSendResponse({ response }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes = (body?.errors ?? []).map((e) => errorCodeOf(e.extensions?.['code']));
          if (codes[0] !== undefined) markFailed(span, codes[0]);
          if (body !== undefined && isSpanContextValid(span.spanContext())) {
            body.extensions = { ...body.extensions, traceId: span.spanContext().traceId };
          }
          const encode = tracer.startSpan('graphql.response.encode', {}, trace.setSpan(context.active(), span));
          const finish = (): void => {
            encode.end();
            span.end();
            const labels = { operation: scope.operation, model: scope.model, version: scope.version };
            const seconds = (performance.now() - started) / 1000;
            metrics.requests.inc(labels);
            for (const code of codes) metrics.errors.inc({ ...labels, code });
            metrics.requestDuration.observe(labels, seconds);
            if (scope.model !== 'none') {
              const { operation, model, version, samples } = scope;
              history.record({
                model,
                version: Number(version),
                operation,
                at: Date.now(),
                failed: codes.length > 0,
                samples,
                seconds,
              });
            }
          };
          if (contextValue.afterResponse === undefined) finish();
          else contextValue.afterResponse(finish);
        },
      };
    },
  };
}

/**
 * Runs root resolvers inside their request's scope and span, so that stages started deep in the services are children
 * of the GraphQL span and labelled with the request's model.
 */
export function telemetryFieldMiddleware(deps: TelemetryPluginDeps): IMiddleware {
  const inScope: IMiddlewareFunction = (resolve, parent, args, ctx: TelemetryContext, info) => {
    // graphql-middleware types a resolver's result as a promise; it may be a plain value, passed on untouched.
    const next = (): Promise<unknown> => resolve(parent, args, ctx, info) as Promise<unknown>;
    const scope = deps.byContext.get(ctx);
    if (scope === undefined) return next();
    return deps.scopes.run(scope, () => context.with(trace.setSpan(context.active(), scope.span), next));
  };
  return { Query: inScope, Mutation: inScope };
}
