import path from 'node:path';
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Integer environment variable with bounds; empty strings count as unset so `FOO=` falls back to the default. */
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? undefined : Number(v)),
    z.number().int().min(min).max(max).default(fallback),
  );

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(4000, 0, 65_535),
  MODELS_DIR: z.string().min(1).default('./models'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_UPLOAD_BYTES: int(64 * MiB, 1024, 2048 * MiB),
  MAX_SAMPLES_PER_REQUEST: int(4096, 1, 1_000_000),
  BATCH_MAX_SIZE: int(32, 1, 4096),
  ORT_INTRA_OP_THREADS: int(0, 0, 256),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
});

/** The gateway's validated, frozen configuration. Built once in `main.ts` and passed down. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
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
  /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose. */
  readonly ortIntraOpThreads: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  readonly shutdownTimeoutMs: number;
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
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    modelsDir: path.resolve(cwd, e.MODELS_DIR),
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxSamplesPerRequest: e.MAX_SAMPLES_PER_REQUEST,
    batchMaxSize: e.BATCH_MAX_SIZE,
    ortIntraOpThreads: e.ORT_INTRA_OP_THREADS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}
