import { NO_INSTRUMENTATION, Stage } from '../telemetry/instrumentation';
import type { BatchCodecOptions } from './batch-codec';
import { createNpyBatchDecoder } from './npy/npy-batch-decoder';
import type { BatchExpectation, SignalBatch } from './signal-batch';
import { formatOfUpload } from './upload-format';
import { XmlWorkerDecoder } from './xml/worker/xml-worker-decoder';

/** How the prediction service turns uploads into batches: possibly off the main thread, hence asynchronous. */
export interface BatchIngest {
  /** Decodes one upload; takes ownership of `bytes`. Rejects only with `GatewayError`. */
  decode(bytes: Buffer, filename: string | undefined, expect: BatchExpectation): Promise<SignalBatch>;
  /** Stops any worker thread. */
  close(): Promise<void>;
}

/** Settings of {@link createBatchIngest}. */
export interface BatchIngestOptions extends BatchCodecOptions {
  /** XML on a worker thread (production) or on the calling thread. */
  readonly xmlWorker: boolean;
  /** Told when the XML worker dies unexpectedly (it is restarted by the next XML request). */
  readonly onXmlWorkerCrash?: (exitCode: number) => void;
  /**
   * With the XML worker, uploads of more samples than this are decoded in parts of this size, so that the first
   * batches run while the rest is read (`SignalBatch.pending`); 0 or absent: whole uploads.
   */
  readonly pipelineSamples?: number;
}

/**
 * Builds the ingest. With `xmlWorker`, XML is parsed, validated and decoded on a worker thread (large uploads in
 * parts, see `pipelineSamples`) while `.npy` files, whose decoding is a header check and a view, stay on the calling
 * thread; this thread then never loads libxmljs2, which is what lets the worker load it. Fails (like the in-thread
 * codec) when the XSD is missing or broken.
 */
export async function createBatchIngest(options: BatchIngestOptions): Promise<BatchIngest> {
  if (!options.xmlWorker) {
    // Imported only here: loading it in this thread would keep a worker from loading libxmljs2.
    const { createBatchCodec } = await import('./batch-codec');
    const codec = createBatchCodec(options);
    return {
      decode: async (bytes, filename, expect) => codec.decode(bytes, filename, expect),
      close: async () => undefined,
    };
  }
  const { instrumentation = NO_INSTRUMENTATION } = options;
  const xml = await XmlWorkerDecoder.start({ ...options, onCrash: options.onXmlWorkerCrash });
  const npy = createNpyBatchDecoder(instrumentation);
  const decoded = (batch: SignalBatch): { samples: number } => ({ samples: batch.count });
  return {
    async decode(bytes, filename, expect) {
      const format = formatOfUpload(bytes, filename, expect);
      const attributes = { format, bytes: bytes.length };
      if (format === 'npy')
        return instrumentation.stageSync(Stage.DECODE, attributes, () => npy.decode(bytes, expect), decoded);
      return instrumentation.stage(
        Stage.DECODE,
        attributes,
        () => xml.decode(bytes, expect, options.pipelineSamples ?? 0),
        decoded,
      );
    },
    close: () => xml.close(),
  };
}
