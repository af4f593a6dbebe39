import type { Float64Tensor, InferenceSession } from './backend';
import { elementCount } from '../tensor/tensor';

/** Shape of one model input as the runner sees it: samples of `sampleLength` values, reshaped to `sampleDims`. */
export interface RunPlan {
  /** Non-batch input dimensions, e.g. `[5000, 1]`. */
  readonly sampleDims: readonly number[];
  /** Largest number of samples per `InferenceSession.run`. */
  readonly maxBatchSize: number;
}

/**
 * Runs `count` samples through a session in consecutive chunks of at most `plan.maxBatchSize`, and stitches the
 * outputs back together in order. Inputs are passed as `subarray` views, so no sample is copied.
 */
export async function runInBatches(
  session: InferenceSession,
  values: Float64Array,
  count: number,
  plan: RunPlan,
  /** Wraps each run (telemetry times it); by default the session runs directly. */
  around: (input: Float64Tensor, run: () => Promise<Float64Tensor>) => Promise<Float64Tensor> = (_input, run) => run(),
): Promise<Float64Tensor> {
  const sampleLength = elementCount(plan.sampleDims);
  let output: Float64Array | undefined;
  let rowDims: readonly number[] = [];
  let rowLength = 0;
  for (let start = 0; start < count; start += plan.maxBatchSize) {
    const n = Math.min(plan.maxBatchSize, count - start);
    const chunk = values.subarray(start * sampleLength, (start + n) * sampleLength);
    const input = { data: chunk, dims: [n, ...plan.sampleDims] };
    const result = await around(input, () => session.run(input));
    if (result.dims[0] !== n) throw new Error(`model returned ${String(result.dims[0])} rows for ${n} samples`);
    if (output === undefined) {
      rowDims = result.dims.slice(1);
      rowLength = elementCount(rowDims);
      output = new Float64Array(count * rowLength);
    }
    if (result.data.length !== n * rowLength) throw new Error('model output rows changed shape between batches');
    output.set(result.data, start * rowLength);
  }
  return { data: output ?? new Float64Array(0), dims: [count, ...rowDims] };
}
