import { IsolatedBackend } from '../../src/inference/isolated-backend';
import { OrtWorkerBackend } from '../../src/inference/onnx/ort-worker-backend';
import { defineInferenceBackendSuite } from './inference-backend.contract';
import { ONNX_RUNTIME_REFERENCE } from './onnx-runtime-reference';

jest.setTimeout(120_000);

// ORT_RUNNER=thread: each session on a worker thread of its own, under a watchdog.
defineInferenceBackendSuite('IsolatedBackend over OrtWorkerBackend (a worker thread per session)', {
  create: () =>
    new IsolatedBackend({
      name: 'isolated threads',
      start: (onCrash) => new OrtWorkerBackend({ intraOpNumThreads: 1, allowSpinning: false }, onCrash),
      runTimeoutMs: 30_000,
      openTimeoutMs: 30_000,
    }),
  reference: ONNX_RUNTIME_REFERENCE,
});
