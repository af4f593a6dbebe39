import type { Float64Tensor, InferenceBackend, InferenceSession, TensorSpec } from '../../src/inference/backend';
import { elementCount } from '../../src/tensor/tensor';

/** Records every run; computes row i as [sum of sample i, -sum] so results can be checked by hand. */
export class FakeSession implements InferenceSession {
  readonly runs: number[][] = [];
  released = false;

  constructor(
    readonly inputs: readonly TensorSpec[] = [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
    readonly outputs: readonly TensorSpec[] = [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
    private readonly fail = false,
  ) {}

  async run(input: Float64Tensor): Promise<Float64Tensor> {
    this.runs.push([...input.dims]);
    if (this.fail) throw new Error('kernel exploded at /secret/path');
    const [n = 0, ...rest] = input.dims;
    const len = elementCount(rest);
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i += 1) {
      const sum = input.data.subarray(i * len, (i + 1) * len).reduce((a, b) => a + b, 0);
      out[2 * i] = sum;
      out[2 * i + 1] = -sum;
    }
    return { data: out, dims: [n, 2] };
  }

  async release(): Promise<void> {
    this.released = true;
  }
}

/** A backend that hands out {@link FakeSession}s, or fails to open paths listed in `broken`. */
export class FakeBackend implements InferenceBackend {
  readonly name = 'fake';
  readonly sessions: FakeSession[] = [];

  constructor(private readonly make: () => FakeSession = () => new FakeSession()) {}

  async open(): Promise<InferenceSession> {
    const session = this.make();
    this.sessions.push(session);
    return session;
  }
}
