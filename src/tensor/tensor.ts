/**
 * Tensors as the gateway's layers exchange them, apart from any runtime: the inference backend, the codecs, the
 * registry, traffic and drift all speak these types, and only the backend folder knows how a runtime holds them.
 */

/** Element types the gateway understands, named as in the model manifest. */
export type TensorDtype = 'float64' | 'float32' | 'int64' | 'int32' | 'unknown';

/** Name, element type and shape of a model input or output; a string dimension is symbolic (dynamic). */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: TensorDtype;
  readonly shape: readonly (number | string)[];
}

/** A dense float64 tensor: `data.length` equals the product of `dims`. */
export interface Float64Tensor {
  readonly data: Float64Array;
  readonly dims: readonly number[];
}

/** The number of elements of a tensor of shape `dims` (1 for a scalar's empty shape). */
export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const dim of dims) count *= dim;
  return count;
}
