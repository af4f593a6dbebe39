import { createNpyBatchDecoder } from './npy/npy-batch-decoder';
import type { BatchDecoder, BatchExpectation, BatchFormat, SignalBatch } from './signal-batch';
import { createLibxmlEngine } from './xml/libxml/libxml-engine';
import { loadXsdSchema } from './xml/libxml/xsd-schema';
import { createXmlBatchDecoder } from './xml/xml-batch-decoder';
import { formatOfUpload } from './upload-format';
import { NO_INSTRUMENTATION, Stage, type Instrumentation } from '../telemetry/instrumentation';

/**
 * Decodes one uploaded file, whatever its format, into a {@link SignalBatch} on the calling thread; throws only
 * `GatewayError`. Importing this module loads libxmljs2 into the importing thread (see `batch-ingest.ts`).
 */
export interface BatchCodec {
  decode(bytes: Buffer, filename: string | undefined, expect: BatchExpectation): SignalBatch;
}

/** Settings of {@link createBatchCodec}. */
export interface BatchCodecOptions {
  /** Path of `schema/batch.v1.xsd`; read and compiled once, here. */
  readonly xsdPath: string;
  /** Largest XML upload accepted (the XML parser's own limit of 10,000,000 bytes applies too). */
  readonly maxXmlBytes: number;
  /** Spans and timings of each decoding step. */
  readonly instrumentation?: Instrumentation;
}

/**
 * Builds the production codec: the XML decoder (libxml + the batch XSD) and the NPY decoder behind format
 * detection. Call once at start-up; a missing or broken XSD fails here.
 */
export function createBatchCodec(options: BatchCodecOptions): BatchCodec {
  const engine = createLibxmlEngine(loadXsdSchema(options.xsdPath));
  return composeBatchCodec(
    {
      xml: createXmlBatchDecoder({
        engine,
        maxXmlBytes: options.maxXmlBytes,
        instrumentation: options.instrumentation,
      }),
      npy: createNpyBatchDecoder(options.instrumentation),
    },
    options.instrumentation,
  );
}

/**
 * Routes each upload to the decoder of its detected format (exposed so tests can plug in their own decoders); the
 * decoding is one `batch.decode` stage, labelled with the format even when it fails.
 */
export function composeBatchCodec(
  decoders: Readonly<Record<BatchFormat, BatchDecoder>>,
  instrumentation: Instrumentation = NO_INSTRUMENTATION,
): BatchCodec {
  return {
    decode(bytes: Buffer, filename: string | undefined, expect: BatchExpectation): SignalBatch {
      const format = formatOfUpload(bytes, filename, expect);
      return instrumentation.stageSync(
        Stage.DECODE,
        { format, bytes: bytes.length },
        () => decoders[format].decode(bytes, expect),
        (batch) => ({ samples: batch.count }),
      );
    },
  };
}
