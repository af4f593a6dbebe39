import { IsolatedBackend } from '../../src/inference/isolated-backend';
import { OrtProcessBackend } from '../../src/inference/onnx/ort-process-backend';
import { defineInferenceBackendSuite } from './inference-backend.contract';
import { ONNX_RUNTIME_REFERENCE } from './onnx-runtime-reference';

jest.setTimeout(120_000);

// What serves models by default (ORT_RUNNER=process): each session in a child process of its own, under a watchdog.
defineInferenceBackendSuite('IsolatedBackend over OrtProcessBackend (a child process per session)', {
  create: () =>
    new IsolatedBackend({
      name: 'isolated processes',
      start: (onCrash) => new OrtProcessBackend({ intraOpNumThreads: 1, allowSpinning: false }, { onCrash }),
      runTimeoutMs: 30_000,
      openTimeoutMs: 30_000,
    }),
  reference: ONNX_RUNTIME_REFERENCE,
});
