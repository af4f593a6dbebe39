/**
 * The inference backend seam, kept apart from any runtime (as onnxruntime's own `js/` keeps the backend interface
 * apart from its implementations). The registry and prediction code only know these types; the ONNX Runtime
 * implementation lives in `./onnx/`, and tests can provide a fake.
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

/** One opened model. `run` may be called concurrently; `release` only once no run is in flight. */
export interface InferenceSession {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the model's single input through it and returns its first output. */
  run(input: Float64Tensor): Promise<Float64Tensor>;
  release(): Promise<void>;
}

/** Opens model files into sessions. */
export interface InferenceBackend {
  readonly name: string;
  open(modelPath: string): Promise<InferenceSession>;
}
