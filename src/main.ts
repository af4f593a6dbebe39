import 'reflect-metadata';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createBatchCodec } from './codec/batch.codec';
import { ConfigError, loadConfig, type Config } from './config/config';
import { buildGatewaySchema, containerOf } from './graphql/schema';
import { ModelResolver } from './graphql/model.resolver';
import { PredictionResolver } from './graphql/prediction.resolver';
import type { InferenceBackend } from './inference/backend';
import { OrtBackend } from './inference/onnx/ort.backend';
import { PredictionService } from './prediction/prediction.service';
import { ModelRegistry } from './registry/model-registry';
import { Gateway } from './server/gateway';

/** The versioned XML batch contract, shipped beside the code (works from `src/` and from `dist/`). */
export const BATCH_XSD_PATH = path.resolve(__dirname, '..', 'schema', 'batch.v1.xsd');

/** Replaceable collaborators, for tests that need a fake runtime or a captured log. */
export interface BootstrapOverrides {
  readonly backend?: InferenceBackend;
  readonly logger?: Logger;
}

/**
 * The composition root: builds every collaborator from the configuration, loads the models, and returns a
 * gateway ready to `start()`. Nothing else in the code base constructs services.
 */
export async function bootstrap(config: Config, overrides: BootstrapOverrides = {}): Promise<Gateway> {
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: { service: 'infergraph' } });
  const backend = overrides.backend ?? new OrtBackend({ intraOpNumThreads: config.ortIntraOpThreads });
  const registry = new ModelRegistry({ modelsDir: config.modelsDir, backend, batchMaxSize: config.batchMaxSize, logger });
  await registry.discover();
  await registry.loadAll();
  const codec = createBatchCodec({ xsdPath: BATCH_XSD_PATH, maxXmlBytes: config.maxUploadBytes });
  const predictions = new PredictionService({ registry, codec, maxSamplesPerRequest: config.maxSamplesPerRequest });
  const schema = await buildGatewaySchema(
    containerOf([new ModelResolver(registry), new PredictionResolver(predictions, config.maxUploadBytes)]),
  );
  return new Gateway({ config, logger, schema, registry });
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const gateway = await bootstrap(config);
  await gateway.start();
  const shutdown = (): void => {
    gateway.stop().then(
      () => process.exit(0),
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
