import type { Float64Tensor, InferenceBackend, InferenceSession } from '../../src/inference/backend';
import { OrtBackend } from '../../src/inference/onnx/ort-backend';

/**
 * Real in-thread ONNX Runtime sessions, each of whose runs first goes through `beforeRun` (which may wait, or throw
 * as a runtime fault would): for integration tests that need a real model with one behaviour of its runs under the
 * test's control.
 */
export class HookedBackend implements InferenceBackend {
  private readonly inner = new OrtBackend({ intraOpNumThreads: 1, allowSpinning: false });
  readonly maxRunsInFlight = this.inner.maxRunsInFlight;

  constructor(
    readonly name: string,
    private readonly beforeRun: (input: Float64Tensor, modelPath: string) => Promise<void> | void,
  ) {}

  async open(modelPath: string): Promise<InferenceSession> {
    const session = await this.inner.open(modelPath);
    return {
      inputs: session.inputs,
      outputs: session.outputs,
      run: async (input) => {
        await this.beforeRun(input, modelPath);
        return session.run(input);
      },
      release: () => session.release(),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
