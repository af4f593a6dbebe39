import { OrtWorkerBackend } from '../../src/inference/onnx/ort-worker-backend';
import { defineInferenceBackendSuite } from './inference-backend.contract';
import { ONNX_RUNTIME_REFERENCE } from './onnx-runtime-reference';

jest.setTimeout(60_000);

// Its worker runs `ort-session.worker.ts` through ts-node.
defineInferenceBackendSuite('OrtWorkerBackend (ONNX Runtime on its worker thread)', {
  create: () => new OrtWorkerBackend({ intraOpNumThreads: 1, allowSpinning: false }),
  reference: ONNX_RUNTIME_REFERENCE,
});
