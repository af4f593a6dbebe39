import { OrtProcessBackend } from '../../src/inference/onnx/ort-process-backend';
import { defineInferenceBackendSuite } from './inference-backend.contract';
import { ONNX_RUNTIME_REFERENCE } from './onnx-runtime-reference';

jest.setTimeout(60_000);

// Its child process runs `ort-session.process.ts` through ts-node; registerModel validates uploads with it.
defineInferenceBackendSuite('OrtProcessBackend (ONNX Runtime in a child process)', {
  create: () => new OrtProcessBackend({ intraOpNumThreads: 1, allowSpinning: false }),
  reference: ONNX_RUNTIME_REFERENCE,
});
