/**
 * The inference backend seam, kept apart from any runtime (as onnxruntime's own `js/` keeps the backend interface
 * apart from its implementations). The registry and prediction code only know these types; the ONNX Runtime
 * implementation lives in `./onnx/`, and tests can provide a fake.
 */

import type { Float64Tensor, TensorSpec } from '../tensor/tensor';

export type { Float64Tensor, TensorDtype, TensorSpec } from '../tensor/tensor';

/** One opened model. `run` may be called concurrently; `release` only once no run is in flight. */
export interface InferenceSession {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Runs the model's single input through it and returns its first output. */
  run(input: Float64Tensor): Promise<Float64Tensor>;
  release(): Promise<void>;
  /**
   * Resolves, with why, if the session ends on its own: the thread or process running it crashed, or stopped
   * answering and was stopped. Its runs fail from then on. Absent where a session cannot end on its own.
   */
  readonly lost?: Promise<string>;
}

/** Opens model files into sessions. */
export interface InferenceBackend {
  readonly name: string;
  /**
   * How many runs to hand the backend at once (at least 1): 1 where a run holds the calling thread until it ends,
   * more where the backend queues runs elsewhere, so that a full batch can wait there, handed over, while another
   * runs.
   */
  readonly maxRunsInFlight: number;
  open(modelPath: string): Promise<InferenceSession>;
  /**
   * Ends the backend and every session it opened (a worker thread, if it has one); every later call fails, `open`
   * as well as `run` and `release` on its sessions.
   */
  close(): Promise<void>;
  /** Runners stopped for not answering that have not ended yet (a worker thread inside a run that never returns). */
  readonly stuckRunners?: number;
  /** Memory the backend holds outside this process's own resident set (its child processes), in bytes. */
  residentBytesOutside?(): number;
}
