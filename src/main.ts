import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { AuthService } from './auth/auth.service';
import { LoginLimiter } from './auth/login-limiter';
import { PasswordHasher } from './auth/password-hasher';
import { createBatchIngest } from './codec/batch-ingest';
import { ConfigError, loadConfig, type Config } from './config/config';
import { AuthResolver } from './graphql/auth.resolver';
import { ModelLifecycleResolver } from './graphql/model-lifecycle.resolver';
import { ModelMetricsResolver } from './graphql/model-metrics.resolver';
import { ModelResolver } from './graphql/model.resolver';
import { permissions } from './graphql/permissions';
import { predictAdmissionMiddleware } from './graphql/predict-admission.middleware';
import { PredictionResolver } from './graphql/prediction.resolver';
import { buildGatewaySchema, containerOf } from './graphql/schema';
import { UserResolver } from './graphql/user.resolver';
import type { InferenceBackend } from './inference/backend';
import { BatchScheduler } from './inference/batch-scheduler';
import { OrtBackend, type OrtBackendOptions } from './inference/onnx/ort-backend';
import { OrtProcessBackends } from './inference/onnx/ort-process-backend';
import { OrtWorkerBackend } from './inference/onnx/ort-worker-backend';
import { IsolatedBackend } from './inference/isolated-backend';
import { assertNever } from './lib/assert-never';
import { PredictAdmission } from './admission/predict-admission';
import { PredictionService } from './prediction/prediction.service';
import { driftScores, ModelMonitor } from './drift/model-monitor';
import { ModelIngestService } from './registry/model-ingest.service';
import { ModelRegistry } from './registry/model-registry';
import { Gateway } from './server/gateway';
import { PromotionService } from './registry/promotion.service';
import { storeAliasBook } from './store/model-alias-book';
import { storeJournal } from './store/model-event-journal';
import {
  storeComparisonLedger,
  storeMetricsHistory,
  storeTrafficPolicyBook,
  storeVersionCatalogue,
} from './store/model-registry-state';
import { Stage } from './telemetry/instrumentation';
import { createTelemetry } from './telemetry/telemetry';
import { stopTracing } from './telemetry/tracing';
import { TrafficMirror } from './traffic/traffic-mirror';
import { TrafficPolicyService } from './traffic/traffic-policy.service';
import { TrafficRouter } from './traffic/traffic-router';
import { openStore, type Store } from './store/store';

/** The versioned XML batch contract, shipped beside the code (works from `src/` and from `dist/`). */
export const BATCH_XSD_PATH = path.resolve(__dirname, '..', 'schema', 'batch.v1.xsd');

/** Replaceable collaborators, for tests that need a fake runtime or a captured log. */
export interface BootstrapOverrides {
  readonly backend?: InferenceBackend;
  /** Starts the backend each `registerModel` validation runs in (default: `backend` shared, else a child process). */
  readonly validationBackend?: () => InferenceBackend;
  /**
   * Where the gateway's ONNX Runtime child processes are started (serving with `ORT_RUNNER=process`, and each
   * validation), so that the caller can kill them when the process must end at once.
   */
  readonly processes?: OrtProcessBackends;
  readonly logger?: Logger;
  /** Resident memory of the process (default: RSS), which each load's memory is measured with. */
  readonly memoryProbe?: () => number;
}

/** Outside production a missing secret is generated per process: tokens then do not survive a restart. */
function jwtSecretOf(config: Config, logger: Logger): string {
  if (config.auth.jwtSecret !== null) return config.auth.jwtSecret;
  logger.warn('JWT_SECRET is not set: using a random secret for this process (tokens end with it)');
  return randomBytes(48).toString('base64url');
}

/**
 * On first start (no users yet) creates the admin account. Production requires ADMIN_PASSWORD (whose strength
 * `loadConfig` has already checked, in every environment); elsewhere a password is generated and printed once.
 */
async function ensureAdmin(auth: AuthService, config: Config, logger: Logger): Promise<void> {
  if (auth.userCount() > 0) return;
  const { adminUsername, adminPassword } = config.auth;
  if (adminPassword === null && config.env === 'production') {
    throw new ConfigError(['ADMIN_PASSWORD: required on first start in production (no users exist yet)']);
  }
  const password = adminPassword ?? randomBytes(18).toString('base64url');
  await auth.ensureAdmin(adminUsername, password);
  if (adminPassword === null) {
    process.stderr.write(`infergraph: created admin "${adminUsername}" with password ${password} (shown once)\n`);
  }
  logger.info({ username: adminUsername }, 'created the first admin account');
}

/**
 * The composition root: builds every collaborator from the configuration, opens the store, loads the models, and
 * returns a gateway ready to `start()`. Nothing else in the code base constructs services.
 */
export async function bootstrap(config: Config, overrides: BootstrapOverrides = {}): Promise<Gateway> {
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { service: 'infergraph' } });
  const store: Store = openStore(config.dataDir);
  try {
    const auth = new AuthService({
      store,
      config: { ...config.auth, jwtSecret: jwtSecretOf(config, logger) },
      hasher: new PasswordHasher(),
      limiter: new LoginLimiter(config.auth),
      logger,
    });
    await ensureAdmin(auth, config, logger);

    const processes = overrides.processes ?? new OrtProcessBackends(ortOptions(config));
    const backend = overrides.backend ?? servingBackend(config, processes);
    const journal = storeJournal(store.modelEvents);
    const aliases = storeAliasBook(store.modelAliases);
    const { modelsDir, batchMaxSize } = config;
    const registry = new ModelRegistry({
      modelsDir,
      backend,
      batchMaxSize,
      logger,
      journal,
      aliases,
      catalogue: storeVersionCatalogue(store.modelVersions),
      budget: config.modelMemory,
      preprocessing: { maxImagePixels: config.maxImagePixels },
      // A runner process's memory is the version's too.
      memoryProbe: overrides.memoryProbe ?? (() => process.memoryUsage().rss + (backend.residentBytesOutside?.() ?? 0)),
    });
    const promotions = new PromotionService({ registry, aliases, journal, gate: config.promotion });
    const ingest = new ModelIngestService({
      modelsDir,
      registry,
      journal,
      batchMaxSize,
      validationBackend: overrides.validationBackend ?? validationBackends(processes, overrides.backend),
      validationTimeoutMs: config.modelValidationTimeoutMs,
    });
    const traffic = new TrafficPolicyService(registry, storeTrafficPolicyBook(store.trafficPolicies), journal);
    const comparisons = storeComparisonLedger(store.modelComparisons);
    await registry.discover();
    await registry.loadAll();
    const mirror = new TrafficMirror({
      ledger: comparisons,
      logger,
      maxQueued: config.mirrorQueueMax,
      busy: () => registry.busy(config.mirrorQuietMs),
    });
    const monitor = new ModelMonitor(config.drift);
    const history = storeMetricsHistory(store.modelMetrics, config.metricsHistoryMs);
    const telemetry = createTelemetry(
      {
        models: () => registry.list(),
        mirrorDropped: () => mirror.dropped,
        drift: () =>
          registry
            .list()
            .flatMap((m) => m.versions.flatMap((v) => monitor.report(v) ?? []))
            .map(driftScores),
      },
      history,
    );
    const { instrumentation } = telemetry;
    const uploads = await createBatchIngest({
      xsdPath: BATCH_XSD_PATH,
      maxXmlBytes: config.maxUploadBytes,
      instrumentation,
      xmlWorker: config.xmlDecodeWorker,
      pipelineSamples: config.batchMaxSize,
      onXmlWorkerCrash: (exitCode) =>
        logger.error({ exitCode }, 'XML worker died; the next XML request starts another'),
    });
    logger.info({ xmlDecoding: config.xmlDecodeWorker ? 'worker thread' : 'main thread' }, 'uploads decoder ready');
    const { maxRunsInFlight } = backend;
    const batches = new BatchScheduler(
      { maxBatchSize: config.batchMaxSize, ...config.batching, maxRunsInFlight },
      (input, run) => instrumentation.stage(Stage.ORT_RUN, { batchSize: input.dims[0] ?? 0 }, run),
    );
    const predictions = new PredictionService({
      instrumentation,
      monitor,
      batches,
      deadlineMs: config.inferenceDeadlineMs,
      registry,
      router: new TrafficRouter(registry, traffic),
      mirror,
      ingest: uploads,
      maxSamplesPerRequest: config.maxSamplesPerRequest,
    });
    const admission = new PredictAdmission({
      perMinute: config.limits.predictRateLimitPerMinute,
      maxConcurrency: config.limits.predictMaxConcurrency,
    });
    const schema = await buildGatewaySchema(
      containerOf([
        new ModelResolver(registry, journal, traffic, comparisons, monitor),
        new ModelMetricsResolver(registry, history),
        new ModelLifecycleResolver({ registry, ingest, promotions, traffic, maxModelBytes: config.maxModelBytes }),
        new PredictionResolver(predictions, config.maxUploadBytes),
        new AuthResolver(auth),
        new UserResolver(auth),
      ]),
      [telemetry.fieldMiddleware, permissions(), predictAdmissionMiddleware(admission)],
    );
    return new Gateway({
      config,
      logger,
      schema,
      registry,
      telemetry,
      authenticate: (credentials) => auth.authenticate(credentials),
      onStopped: async () => {
        await mirror.idle();
        await uploads.close();
        await backend.close();
        store.close();
      },
    });
  } catch (error) {
    store.close();
    throw error;
  }
}

const ortOptions = (config: Config): OrtBackendOptions => ({
  intraOpNumThreads: config.ortIntraOpThreads,
  allowSpinning: config.ortAllowSpinning,
});

/**
 * The backend models are served with (`ORT_RUNNER`): each version's session in a child process or a worker thread
 * of its own, whose runs may take at most the request deadline (no request can still be waiting for a run that
 * takes longer) and whose open may take as long as a validation; or every session on the main thread.
 */
function servingBackend(config: Config, processes: OrtProcessBackends): InferenceBackend {
  const options = ortOptions(config);
  const limits = { runTimeoutMs: config.inferenceDeadlineMs, openTimeoutMs: config.modelValidationTimeoutMs };
  switch (config.ortRunner) {
    case 'process':
      return new IsolatedBackend({
        name: 'onnxruntime-node (a child process per model version)',
        start: (onCrash) => processes.start(onCrash),
        ...limits,
      });
    case 'thread':
      return new IsolatedBackend({
        name: 'onnxruntime-node (a worker thread per model version)',
        start: (onCrash) => new OrtWorkerBackend(options, onCrash),
        ...limits,
      });
    case 'main':
      return new OrtBackend(options);
    default:
      return assertNever(config.ortRunner);
  }
}

/**
 * The backends `registerModel` validates uploads with: a child process each, killed when the validation ends or
 * runs out of time. A backend given by a test is shared instead (closing a validation leaves it open).
 */
function validationBackends(
  processes: OrtProcessBackends,
  shared: InferenceBackend | undefined,
): () => InferenceBackend {
  if (shared !== undefined) {
    return () => ({
      name: shared.name,
      maxRunsInFlight: shared.maxRunsInFlight,
      open: (modelPath) => shared.open(modelPath),
      close: () => Promise.resolve(),
    });
  }
  return () => processes.start();
}

/** How long past SHUTDOWN_TIMEOUT_MS freeing the models, the workers and the store may take. */
const SHUTDOWN_MARGIN_MS = 2_000;
/** The status a stop that cannot exit ends with: the process kills itself, 128 + SIGKILL (9). */
export const SHUTDOWN_DEADLINE_EXIT_STATUS = 137;

/**
 * Ends the process now, having written why to stderr. `process.exit` cannot be used when a worker thread is inside
 * ONNX Runtime's `run` (a model looping for hours): it joins every worker thread, and such a thread is joined only
 * when its run returns. So the process kills itself (SIGKILL: status 137), and its child processes first.
 */
function killSelf(why: string, killChildren: () => void): void {
  killChildren();
  process.stderr.write(`infergraph: ${why}; killing the process (exit status ${SHUTDOWN_DEADLINE_EXIT_STATUS})\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Ends the process after `ms` whatever is still running (see {@link killSelf}). */
function hardDeadline(ms: number, killChildren: () => void): void {
  setTimeout(
    () =>
      killSelf(
        `stopping did not finish within ${ms} ms (SHUTDOWN_TIMEOUT_MS + ${SHUTDOWN_MARGIN_MS} ms)`,
        killChildren,
      ),
    ms,
  ).unref();
}

async function main(): Promise<void> {
  let gateway: Gateway;
  let config: Config;
  let processes: OrtProcessBackends;
  try {
    config = loadConfig(process.env);
    processes = new OrtProcessBackends(ortOptions(config));
    gateway = await bootstrap(config, { processes });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  await gateway.start();
  const shutdown = (): void => {
    hardDeadline(config.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS, () => processes.killAll());
    gateway
      .stop()
      // A registration still validating when the drain gave up, or a runner stuck in a run: its process would
      // outlive the gateway.
      .then(() => processes.killAll())
      .then(stopTracing)
      .then(
        () =>
          gateway.stuckRunners() > 0
            ? killSelf('a worker thread is stuck inside a run and cannot be joined', () => processes.killAll())
            : process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`infergraph failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
