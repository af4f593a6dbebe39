import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import { emptyBatchError } from './batch-errors';
import { detectBatchFormat } from './detect-format';
import type { BatchExpectation, BatchFormat } from './signal-batch';

/**
 * The checks every upload goes through before a decoder sees it, wherever that decoder runs: a sound expectation,
 * a non-empty file, a recognised format. Throws `GatewayError`.
 */
export function formatOfUpload(bytes: Buffer, filename: string | undefined, expect: BatchExpectation): BatchFormat {
  checkExpectation(expect);
  if (bytes.length === 0) throw emptyBatchError('The uploaded file is empty.');
  return detectBatchFormat(bytes, filename);
}

/** The expectation comes from a model's signature; a bad one is a gateway bug, not a client error. */
function checkExpectation({ sampleLength, maxSamples }: BatchExpectation): void {
  if (!Number.isSafeInteger(sampleLength) || sampleLength < 1 || !Number.isSafeInteger(maxSamples) || maxSamples < 1) {
    throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'The model input contract is invalid.', {});
  }
}
