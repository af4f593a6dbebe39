import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { passwordWeakness } from './password-policy';
import { estimatedEntropyBits, MIN_SECRET_ENTROPY_BITS } from './secret-strength';

const MiB = 1024 * 1024;

/** Integer environment variable with bounds; empty strings count as unset so `FOO=` falls back to the default. */
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : Number(v)),
    z.number().int().min(min).max(max).default(fallback),
  );

/** A number (not only an integer) with bounds; empty means unset. */
const num = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : Number(v)),
    z.number().min(min).max(max).default(fallback),
  );

const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

/** The OTLP transports the SDK offers; the gateway is tested with the two HTTP ones. */
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // Unset: loopback outside production, every interface in production (the container); see loadConfig.
  HOST: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .refine((v) => isIP(v) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(v), {
        message: 'must be an IP address or a host name',
      })
      .optional(),
  ),
  PORT: int(4000, 0, 65_535),
  MODELS_DIR: z.string().min(1).default('./models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_UPLOAD_BYTES: int(64 * MiB, 1024, 2048 * MiB),
  MAX_SAMPLES_PER_REQUEST: int(4096, 1, 1_000_000),
  BATCH_MAX_SIZE: int(32, 1, 4096),
  BATCH_MAX_DELAY_MS: int(2, 0, 10_000),
  BATCH_MAX_QUEUED_SAMPLES: int(4096, 1, 10_000_000),
  INFERENCE_DEADLINE_MS: int(30_000, 1, 3_600_000),
  ORT_INTRA_OP_THREADS: int(0, 0, 256),
  ORT_ALLOW_SPINNING: z.enum(['0', '1']).default('0'),
  XML_DECODE_WORKER: z.enum(['0', '1']).default('1'),
  ORT_RUNNER: z.enum(['process', 'thread', 'main']).default('process'),
  // Replaced by ORT_RUNNER: refused rather than ignored, so that a deployment setting it learns what it now means.
  ORT_WORKER_THREAD: z.undefined({ message: 'replaced by ORT_RUNNER (process, thread or main)' }).optional(),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
  REQUEST_TIMEOUT_MS: int(120_000, 1_000, 3_600_000),
  DATA_DIR: z.string().min(1).default('./data'),
  JWT_SECRET: optionalString,
  JWT_ISSUER: z.string().min(1).default('infergraph'),
  JWT_AUDIENCE: z.string().min(1).default('infergraph-api'),
  ACCESS_TOKEN_TTL_SECONDS: int(900, 30, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: int(7 * 86_400, 60, 90 * 86_400),
  JWT_CLOCK_TOLERANCE_SECONDS: int(5, 0, 300),
  ADMIN_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('admin'),
  ADMIN_PASSWORD: optionalString,
  LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_ADDRESS: int(5, 1, 10_000),
  LOGIN_MAX_ATTEMPTS_PER_ADDRESS: int(20, 1, 100_000),
  LOGIN_MAX_ATTEMPTS_PER_USERNAME: int(10, 1, 10_000),
  LOGIN_MAX_DELAY_SECONDS: int(60, 1, 3_600),
  LOGIN_WINDOW_SECONDS: int(900, 1, 86_400),
  // Hops of reverse proxies in front of the gateway whose X-Forwarded-For is believed; 0 believes none.
  TRUST_PROXY: int(0, 0, 32),
  PREDICT_RATE_LIMIT_PER_MINUTE: int(120, 1, 1_000_000),
  PREDICT_MAX_CONCURRENCY: int(4, 1, 10_000),
  CORS_ORIGINS: z.string().default(''),
  MAX_QUERY_DEPTH: int(8, 1, 100),
  MAX_QUERY_COST: int(1000, 1, 1_000_000),
  MAX_ALIASES: int(10, 0, 1000),
  MAX_DIRECTIVES: int(10, 0, 1000),
  MAX_TOKENS: int(1000, 10, 100_000),
  MAX_DOCUMENT_BYTES: int(10_000, 100, 1_000_000),
  PROMOTION_GOLDEN_TOLERANCE: num(1e-5, 0, 1),
  PROMOTION_MIN_AGREEMENT: num(0.95, 0, 1),
  PROMOTION_GOLDEN_SAMPLES: int(64, 1, 100_000),
  MAX_MODEL_BYTES: int(256 * MiB, 1024, 8192 * MiB),
  MAX_IMAGE_PIXELS: int(100_000_000, 1, 1_000_000_000),
  MODEL_VALIDATION_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  MODEL_MAX_RESIDENT_VERSIONS: int(0, 0, 10_000),
  MODEL_MEMORY_BUDGET_MB: int(0, 0, 1_048_576),
  MIRROR_QUEUE_MAX: int(16, 0, 10_000),
  MIRROR_QUIET_MS: int(25, 0, 60_000),
  DRIFT_WINDOW_SAMPLES: int(1000, 10, 1_000_000),
  DRIFT_MIN_SAMPLES: int(100, 1, 1_000_000),
  DRIFT_ALERT_PSI: num(0.25, 0, 100),
  METRICS_HISTORY_HOURS: int(168, 1, 24 * 366),
  // When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`.
  METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .min(16, 'must be at least 16 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
  ),
  // Read by the OpenTelemetry SDK itself; validated here so that a typo stops the boot instead of silently not exporting.
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(OTLP_PROTOCOLS).optional(),
});

/** The variables the secrets' rules read together; validated on their own too, see {@link loadConfig}. */
const secretsSchema = schema.pick({ NODE_ENV: true, JWT_SECRET: true, ADMIN_USERNAME: true, ADMIN_PASSWORD: true });

/**
 * Rules over the secrets that no single variable's schema expresses. A weak ADMIN_PASSWORD is refused in every
 * environment, here rather than when the admin is created, so that it is a configuration error like any other. In
 * production a missing, short or predictable JWT_SECRET is too (see {@link estimatedEntropyBits}); elsewhere the
 * composition root generates one.
 */
function secretProblems(e: z.infer<typeof secretsSchema>): string[] {
  const problems: string[] = [];
  if (e.NODE_ENV === 'production') {
    if (e.JWT_SECRET === undefined) problems.push('JWT_SECRET: required in production');
    else if (Buffer.byteLength(e.JWT_SECRET) < 32) problems.push('JWT_SECRET: must be at least 32 bytes');
    else if (estimatedEntropyBits(e.JWT_SECRET) < MIN_SECRET_ENTROPY_BITS) {
      problems.push(
        `JWT_SECRET: too predictable (an estimated ${MIN_SECRET_ENTROPY_BITS} bits of entropy are needed; ` +
          'repeated characters or patterns do not count), e.g. use `openssl rand -base64 48`',
      );
    }
  }
  const weakness = e.ADMIN_PASSWORD === undefined ? undefined : passwordWeakness(e.ADMIN_PASSWORD, e.ADMIN_USERNAME);
  if (weakness !== undefined) problems.push(`ADMIN_PASSWORD: ${weakness}`);
  return problems;
}

/** The gateway's validated, frozen configuration. Built once in `main.ts` and passed down. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  /** Address to bind: `HOST`, or loopback (`127.0.0.1`) outside production and `0.0.0.0` in production. */
  readonly host: string;
  readonly port: number;
  /** Absolute path of the folder holding `<model>/<version>/manifest.json`. */
  readonly modelsDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Upload cap, enforced while the multipart stream is read. */
  readonly maxUploadBytes: number;
  readonly maxSamplesPerRequest: number;
  /** Largest batch handed to ONNX Runtime in one `run` (a model's manifest may lower it). */
  readonly batchMaxSize: number;
  /** Dynamic batching: how long a lone sample waits for others (0: off), and samples that may wait per version. */
  readonly batching: { readonly maxDelayMs: number; readonly maxQueuedSamples: number };
  /** How long a request's samples may wait for the model before `DEADLINE_EXCEEDED`. */
  readonly inferenceDeadlineMs: number;
  /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose. */
  readonly ortIntraOpThreads: number;
  /** Whether ONNX Runtime's idle threads spin after a run (off: they sleep, leaving the cores to other sessions). */
  readonly ortAllowSpinning: boolean;
  /** Whether XML uploads are parsed, validated and decoded on a worker thread (`XML_DECODE_WORKER`, default on). */
  readonly xmlDecodeWorker: boolean;
  /**
   * Where each model version's ONNX Runtime session runs (`ORT_RUNNER`): a child process of its own (`process`, the
   * default: a run that never returns is killed), a worker thread of its own (`thread`: inputs shared without a copy,
   * but a stuck run can only be abandoned), or the event loop's own thread (`main`: every run blocks the gateway).
   */
  readonly ortRunner: 'process' | 'thread' | 'main';
  /** How long in-flight requests may take to finish after SIGTERM. */
  readonly shutdownTimeoutMs: number;
  /** Longest time a whole request may take (upload included) before the socket is closed. */
  readonly requestTimeoutMs: number;
  /** Absolute path of the embedded database's folder. */
  readonly dataDir: string;
  /**
   * Reverse proxies in front of the gateway (express `trust proxy` as a hop count): the client address, which the
   * login limits key on, is then read that many hops back in `X-Forwarded-For`. 0: the peer address, header ignored.
   */
  readonly trustProxyHops: number;
  readonly auth: AuthConfig;
  readonly limits: LimitsConfig;
  /** Origins allowed by CORS; empty means same-origin only. */
  readonly corsOrigins: readonly string[];
  /** The promotion gate: golden tolerance, minimum agreement with the current version, golden inputs used. */
  readonly promotion: {
    readonly goldenTolerance: number;
    readonly minAgreement: number;
    readonly maxGoldenSamples: number;
  };
  /** Cap on an ONNX file sent to `registerModel`, enforced while it streams to disk. */
  readonly maxModelBytes: number;
  /** Largest image an image model decodes, in pixels (`MAX_IMAGE_PIXELS`): larger ones are refused from their header. */
  readonly maxImagePixels: number;
  /** Longest time `registerModel` may take to open, check and warm up an uploaded file in its own process. */
  readonly modelValidationTimeoutMs: number;
  /** Limits on loaded versions (0: none); least recently used idle versions are unloaded to make room. */
  readonly modelMemory: { readonly maxResidentVersions: number; readonly maxResidentBytes: number };
  /** Shadow and canary comparisons waiting to run beyond this are dropped. */
  readonly mirrorQueueMax: number;
  /** A comparison runs only once no request has run on any version for this long. */
  readonly mirrorQuietMs: number;
  /** Model monitoring: the sliding window of samples, the minimum before a drift score, and the drift threshold. */
  readonly drift: { readonly windowSamples: number; readonly minSamples: number; readonly alertPsi: number };
  /** How long the per-minute metrics history (`modelMetrics`) is kept. */
  readonly metricsHistoryMs: number;
  /** Bearer token `GET /metrics` requires (`METRICS_TOKEN`); `null`: the route is open to whoever reaches the port. */
  readonly metricsToken: string | null;
}

/** Authentication settings. */
export interface AuthConfig {
  /** HS256 key; `null` outside production means "generate one for this process". */
  readonly jwtSecret: string | null;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly clockToleranceSeconds: number;
  readonly adminUsername: string;
  /** Password of the admin created on first start; `null` outside production means "generate and print once". */
  readonly adminPassword: string | null;
  /** Failures per username from one address per window before that pair is refused for the window. */
  readonly loginMaxAttemptsPerUsernameAndAddress: number;
  /** Failures per address across usernames per window before the address is refused for the window. */
  readonly loginMaxAttemptsPerAddress: number;
  /** Failures per username across addresses before each further attempt waits (1 s, doubling). */
  readonly loginMaxAttemptsPerUsername: number;
  /** The cap of that wait. */
  readonly loginMaxDelaySeconds: number;
  readonly loginWindowSeconds: number;
}

/** Bounds on what one request may ask for. */
export interface LimitsConfig {
  readonly maxQueryDepth: number;
  readonly maxQueryCost: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  readonly maxDocumentBytes: number;
  readonly predictRateLimitPerMinute: number;
  readonly predictMaxConcurrency: number;
}

/** Thrown at boot with every configuration problem at once, so an operator fixes them in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and validates the configuration from an environment (normally `process.env`).
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const parsed = schema.safeParse(env);
  // The secrets' rules run even when an unrelated variable is invalid, so that one start names every problem.
  const secrets = secretsSchema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...(secrets.success ? secretProblems(secrets.data) : []),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    modelsDir: path.resolve(cwd, e.MODELS_DIR),
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxSamplesPerRequest: e.MAX_SAMPLES_PER_REQUEST,
    batchMaxSize: e.BATCH_MAX_SIZE,
    batching: Object.freeze({ maxDelayMs: e.BATCH_MAX_DELAY_MS, maxQueuedSamples: e.BATCH_MAX_QUEUED_SAMPLES }),
    inferenceDeadlineMs: e.INFERENCE_DEADLINE_MS,
    ortIntraOpThreads: e.ORT_INTRA_OP_THREADS,
    ortAllowSpinning: e.ORT_ALLOW_SPINNING === '1',
    xmlDecodeWorker: e.XML_DECODE_WORKER === '1',
    ortRunner: e.ORT_RUNNER,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    trustProxyHops: e.TRUST_PROXY,
    auth: Object.freeze({
      jwtSecret: e.JWT_SECRET ?? null,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
      clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_SECONDS,
      adminUsername: e.ADMIN_USERNAME,
      adminPassword: e.ADMIN_PASSWORD ?? null,
      loginMaxAttemptsPerUsernameAndAddress: e.LOGIN_MAX_ATTEMPTS_PER_USERNAME_AND_ADDRESS,
      loginMaxAttemptsPerAddress: e.LOGIN_MAX_ATTEMPTS_PER_ADDRESS,
      loginMaxAttemptsPerUsername: e.LOGIN_MAX_ATTEMPTS_PER_USERNAME,
      loginMaxDelaySeconds: e.LOGIN_MAX_DELAY_SECONDS,
      loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
    }),
    limits: Object.freeze({
      maxQueryDepth: e.MAX_QUERY_DEPTH,
      maxQueryCost: e.MAX_QUERY_COST,
      maxAliases: e.MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES,
      maxTokens: e.MAX_TOKENS,
      maxDocumentBytes: e.MAX_DOCUMENT_BYTES,
      predictRateLimitPerMinute: e.PREDICT_RATE_LIMIT_PER_MINUTE,
      predictMaxConcurrency: e.PREDICT_MAX_CONCURRENCY,
    }),
    corsOrigins: Object.freeze(
      e.CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    ),
    promotion: Object.freeze({
      goldenTolerance: e.PROMOTION_GOLDEN_TOLERANCE,
      minAgreement: e.PROMOTION_MIN_AGREEMENT,
      maxGoldenSamples: e.PROMOTION_GOLDEN_SAMPLES,
    }),
    maxModelBytes: e.MAX_MODEL_BYTES,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    modelValidationTimeoutMs: e.MODEL_VALIDATION_TIMEOUT_MS,
    modelMemory: Object.freeze({
      maxResidentVersions: e.MODEL_MAX_RESIDENT_VERSIONS,
      maxResidentBytes: e.MODEL_MEMORY_BUDGET_MB * MiB,
    }),
    mirrorQueueMax: e.MIRROR_QUEUE_MAX,
    mirrorQuietMs: e.MIRROR_QUIET_MS,
    metricsHistoryMs: e.METRICS_HISTORY_HOURS * 3_600_000,
    metricsToken: e.METRICS_TOKEN ?? null,
    drift: Object.freeze({
      windowSamples: e.DRIFT_WINDOW_SAMPLES,
      minSamples: e.DRIFT_MIN_SAMPLES,
      alertPsi: e.DRIFT_ALERT_PSI,
    }),
  });
}

/** Whether to start the OpenTelemetry SDK, and the service name to report. The SDK reads every other OTEL_* itself. */
export interface TracingSettings {
  readonly enabled: boolean;
  readonly serviceName: string;
}

/**
 * Tracing is on only when an OTLP endpoint is configured (and the SDK is not disabled): without one, nothing is
 * exported and nothing is logged about it. Read by `src/telemetry/register.ts` before anything else loads.
 */
export function tracingSettingsFrom(env: NodeJS.ProcessEnv): TracingSettings {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  const enabled = Boolean(endpoint) && env['OTEL_SDK_DISABLED'] !== 'true' && env['OTEL_TRACES_EXPORTER'] !== 'none';
  return Object.freeze({ enabled, serviceName: env['OTEL_SERVICE_NAME'] || 'infergraph' });
}
