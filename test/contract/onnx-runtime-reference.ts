/**
 * The reference the real backends are held to: onnxruntime-node used directly, as a user would by hand (a session
 * with default options, ordinary memory), bypassing the gateway's backends entirely.
 */
import { types } from 'node:util';

import * as ort from 'onnxruntime-node';

import type { Float64Tensor } from '../../src/inference/backend';
import { directRun } from '../support/reference';
import type { BackendReference } from './inference-backend.contract';

export const ONNX_RUNTIME_REFERENCE: BackendReference = {
  outputs: (input: Float64Tensor) => {
    const [n = 0, ...sampleDims] = input.dims;
    // One batch of all the samples: the same dims the backend ran.
    return directRun(Float64Array.from(input.data), sampleDims, Math.max(n, 1));
  },
  openError: (modelPath: string) =>
    ort.InferenceSession.create(modelPath).then(
      async (session) => {
        await session.release();
        throw new Error(`onnxruntime-node opened ${modelPath}`);
      },
      // onnxruntime-node's native side makes its errors in another realm than the test's.
      (error: unknown) => (types.isNativeError(error) ? error.message : String(error)),
    ),
  runsTheModel: true,
};
