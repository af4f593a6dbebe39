import type { Float64Tensor, InferenceBackend, InferenceSession, TensorSpec } from '../../src/inference/backend';
import { elementCount } from '../../src/tensor/tensor';

/** What a closed fake backend rejects every call with, in the real backends' words. */
const closedError = (): Error => new Error('the inference backend is closed');

/** Records every run; computes row i as [sum of sample i, -sum] so results can be checked by hand. */
export class FakeSession implements InferenceSession {
  readonly runs: number[][] = [];
  released = false;
  /** Set by {@link FakeBackend.close}: every later call fails. */
  closed = false;

  constructor(
    readonly inputs: readonly TensorSpec[] = [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
    readonly outputs: readonly TensorSpec[] = [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
    private readonly fail = false,
  ) {}

  async run(input: Float64Tensor): Promise<Float64Tensor> {
    if (this.closed) throw closedError();
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
    if (this.closed) throw closedError();
    this.released = true;
  }
}

/** A backend that hands out {@link FakeSession}s for any path, but fails to open the paths listed in `broken`. */
export class FakeBackend implements InferenceBackend {
  readonly name = 'fake';
  /** As the in-thread runtime: one run at a time. */
  readonly maxRunsInFlight = 1;
  readonly sessions: FakeSession[] = [];
  private closed = false;

  constructor(
    private readonly make: () => FakeSession = () => new FakeSession(),
    private readonly broken: readonly string[] = [],
  ) {}

  async open(modelPath: string): Promise<InferenceSession> {
    if (this.closed) throw closedError();
    if (this.broken.includes(modelPath)) throw new Error(`fake backend: ${modelPath} is listed as broken`);
    const session = this.make();
    this.sessions.push(session);
    return session;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const session of this.sessions) session.closed = true;
  }
}
