import { OrtBackend } from '../../src/inference/onnx/ort-backend';
import { defineInferenceBackendSuite } from './inference-backend.contract';
import { ONNX_RUNTIME_REFERENCE } from './onnx-runtime-reference';

jest.setTimeout(60_000);

defineInferenceBackendSuite('OrtBackend (ONNX Runtime on the calling thread)', {
  create: () => new OrtBackend({ intraOpNumThreads: 1, allowSpinning: false }),
  reference: ONNX_RUNTIME_REFERENCE,
});
