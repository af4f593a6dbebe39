import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';

/**
 * Builders for the errors every decoder shares, so that XML and NPY uploads fail with identical codes, details and
 * wording. `sampleId` values reaching these functions are either indices or ids that passed the XSD id pattern, so
 * they are safe to echo.
 */

/** The upload holds no samples at all (zero bytes, an empty `<batch/>`, or an NPY array with 0 rows). */
export function emptyBatchError(reason = 'The uploaded batch contains no samples.'): GatewayError {
  return new GatewayError(ErrorCode.EMPTY_BATCH, reason);
}

/** More samples than one request may carry. */
export function tooManySamplesError(limit: number, actual: number): GatewayError {
  return new GatewayError(
    ErrorCode.TOO_MANY_SAMPLES,
    `The batch has ${actual} samples; at most ${limit} are accepted per request.`,
    { limit, actual },
  );
}

/**
 * A sample (or, for NPY, every row: `sampleIndex` null) does not have the number of values the model takes.
 */
export function wrongSampleLengthError(
  sampleIndex: number | null,
  sampleId: string | null,
  expected: number,
  actual: number,
): GatewayError {
  const subject = sampleIndex === null ? 'Each sample' : `Sample ${sampleIndex} (id "${sampleId}")`;
  return new GatewayError(
    ErrorCode.WRONG_SAMPLE_LENGTH,
    `${subject} has ${actual} values; the model expects ${expected}.`,
    { sampleIndex, sampleId, expected, actual },
  );
}

/** NaN or ±Infinity where a finite value is required. */
export function nonFiniteValueError(sampleIndex: number, sampleId: string, valueIndex: number): GatewayError {
  return new GatewayError(
    ErrorCode.NON_FINITE_VALUE,
    `Sample ${sampleIndex} (id "${sampleId}") has a non-finite value (NaN or infinity) at position ${valueIndex}.`,
    { sampleIndex, sampleId, valueIndex },
  );
}

/** Throws {@link nonFiniteValueError} for the first non-finite value of a row-major matrix. */
export function assertFiniteRows(
  values: Float64Array,
  sampleLength: number,
  idOf: (sampleIndex: number) => string,
): void {
  for (let i = 0; i < values.length; i++) {
    // `v - v` is 0 for finite numbers and NaN otherwise: one comparison instead of two for ±Infinity and NaN.
    const v = values[i] as number;
    if (v - v !== 0) {
      const sampleIndex = Math.floor(i / sampleLength);
      throw nonFiniteValueError(sampleIndex, idOf(sampleIndex), i - sampleIndex * sampleLength);
    }
  }
}
