import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { TracingSettings } from '../config/config';

/** Requests that would drown the traces: probes and scrapes. */
const UNTRACED = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * The OpenTelemetry SDK is process-wide by design (it registers the global tracer provider, propagator and context
 * manager), so the one instance this process started is kept here to be flushed at shutdown.
 */
let sdk: NodeSDK | undefined;

/**
 * Starts the SDK when tracing is enabled: W3C trace context in and out, the HTTP server span from the HTTP
 * instrumentation, export over OTLP as the standard variables say (`OTEL_EXPORTER_OTLP_ENDPOINT`, `_PROTOCOL`,
 * sampler and batch-processor variables). Must run before `http` is loaded: see `register.ts`.
 */
export function startTracing(settings: TracingSettings): boolean {
  if (!settings.enabled || sdk !== undefined) return sdk !== undefined;
  sdk = new NodeSDK({
    serviceName: settings.serviceName,
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED.test(req.url ?? '') })],
  });
  sdk.start();
  return true;
}

/** Exports the spans still buffered and stops the SDK (a no-op when tracing is off). */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  await running?.shutdown();
}
