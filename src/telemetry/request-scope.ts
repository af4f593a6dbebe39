import { AsyncLocalStorage } from 'node:async_hooks';
import type { Span } from '@opentelemetry/api';

/** What telemetry knows about the GraphQL request being served: filled in as the request goes. */
export interface RequestScope {
  /** The root field of the operation (`predict`, `models`...), `unknown` until resolved: a bounded label. */
  operation: string;
  /** The model and version the request runs on, `none` when it does not run one. */
  model: string;
  version: string;
  samples: number;
  /** The GraphQL operation span (a non-recording span when tracing is off). */
  readonly span: Span;
}

/**
 * Carries each request's {@link RequestScope} through its asynchronous work, so stages deep in the codec or the runner
 * are labelled with the request's model without it being passed down. Node's own AsyncLocalStorage: it works whether
 * or not an OpenTelemetry SDK (and its context manager) is running.
 */
export class RequestScopes {
  private readonly storage = new AsyncLocalStorage<RequestScope>();

  run<T>(scope: RequestScope, fn: () => T): T {
    return this.storage.run(scope, fn);
  }

  current(): RequestScope | undefined {
    return this.storage.getStore();
  }
}
