import { assertFiniteRows, emptyBatchError, tooManySamplesError, wrongSampleLengthError } from '../batch-errors';
import type { BatchDecoder, BatchExpectation, SignalBatch } from '../signal-batch';
import { NO_INSTRUMENTATION, Stage, type Instrumentation } from '../../telemetry/instrumentation';
import { inspectNpyMatrix, readNpyValues } from './npy-matrix-reader';

/**
 * Decodes `.npy` batches: float64 or float32, little-endian, C order, shape `(x, L)` or `(x, L, 1)` with `L` equal to
 * the model's sample length. Sample ids are the row indices. Throws only `GatewayError`.
 */
export function createNpyBatchDecoder(instrumentation: Instrumentation = NO_INSTRUMENTATION): BatchDecoder {
  return {
    format: 'npy',
    decode(bytes: Buffer, expect: BatchExpectation): SignalBatch {
      return instrumentation.stageSync(
        Stage.NPY_DECODE,
        { bytes: bytes.length },
        () => decodeNpy(bytes, expect),
        (batch) => ({ samples: batch.count }),
      );
    },
  };
}

function decodeNpy(bytes: Buffer, expect: BatchExpectation): SignalBatch {
  if (bytes.length === 0) throw emptyBatchError('The uploaded file is empty.');
  const layout = inspectNpyMatrix(bytes);
  // Checked before any value is read: refusing costs nothing, and nothing is allocated for a refused batch.
  if (layout.count === 0) throw emptyBatchError();
  if (layout.count > expect.maxSamples) throw tooManySamplesError(expect.maxSamples, layout.count);
  if (layout.sampleLength !== expect.sampleLength) {
    throw wrongSampleLengthError(null, null, expect.sampleLength, layout.sampleLength);
  }
  const values = readNpyValues(bytes, layout);
  assertFiniteRows(values, layout.sampleLength, String);
  const ids = Array.from({ length: layout.count }, (_, i) => String(i));
  return { format: 'npy', ids, count: layout.count, sampleLength: layout.sampleLength, values };
}
