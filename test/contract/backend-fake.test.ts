import type { Float64Tensor } from '../../src/inference/backend';
import { elementCount } from '../../src/tensor/tensor';
import { FakeBackend, FakeSession } from '../support/fake-backend';
import { CONTRACT_MODELS, defineInferenceBackendSuite, SHIPPED_SIGNATURE } from './inference-backend.contract';

/** Row i is `[sum of sample i, -sum]`, computed here independently of the fake. */
function sums(input: Float64Tensor): Promise<Float64Array> {
  const [n = 0, ...rest] = input.dims;
  const length = elementCount(rest);
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i += 1) {
    let sum = 0;
    for (const v of input.data.subarray(i * length, (i + 1) * length)) sum += v;
    out[2 * i] = sum;
    out[2 * i + 1] = -sum;
  }
  return Promise.resolve(out);
}

// The fake opens any path but those it is told are broken; its sessions carry the shipped model's signature.
defineInferenceBackendSuite("FakeBackend (the unit tests' stand-in)", {
  create: () =>
    new FakeBackend(
      () => new FakeSession(SHIPPED_SIGNATURE.inputs, SHIPPED_SIGNATURE.outputs),
      [CONTRACT_MODELS.missing, CONTRACT_MODELS.junk],
    ),
  reference: {
    outputs: sums,
    openError: (modelPath) => Promise.resolve(`fake backend: ${modelPath} is listed as broken`),
    runsTheModel: false,
  },
});
