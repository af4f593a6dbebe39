import * as ort from 'onnxruntime-node';
import { assertNever } from '../../lib/assert-never';
import { isShared } from '../../lib/worker-thread';
import type { Float64Tensor, InferenceBackend, InferenceSession, TensorDtype, TensorSpec } from '../backend';

/** Options for {@link OrtBackend}; see ONNX Runtime's `SessionOptions`. */
export interface OrtBackendOptions {
  /** Threads for one operator; 0 lets ONNX Runtime pick (one per core). */
  readonly intraOpNumThreads: number;
  /**
   * Whether idle intra-op threads spin waiting for work after a run. Spinning shaves a little off back-to-back runs
   * of one session but burns the cores other sessions (a shadow, another model) and the event loop need.
   */
  readonly allowSpinning: boolean;
  /** Graph optimisations applied when a session opens (default `all`; `benchmarks/session-options.ts` compares). */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ONNX Runtime's CPU memory arena, which keeps freed buffers for the next run (default on). */
  readonly enableCpuMemArena?: boolean;
  /** `parallel` runs independent branches of the graph at once on `interOpNumThreads` threads (default `sequential`). */
  readonly executionMode?: 'sequential' | 'parallel';
  readonly interOpNumThreads?: number;
}

const DTYPES: Readonly<Record<string, TensorDtype>> = {
  float64: 'float64',
  float32: 'float32',
  int64: 'int64',
  int32: 'int32',
};

function specOf(meta: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!meta.isTensor) return { name: meta.name, dtype: 'unknown', shape: [] };
  return { name: meta.name, dtype: DTYPES[meta.type] ?? 'unknown', shape: [...meta.shape] };
}

/** What every call on a closed backend rejects with, on this thread or on the inference worker. */
export function backendClosedError(): Error {
  return new Error('the inference backend is closed');
}

/** The only place `onnxruntime-node` is used: CPU sessions for float64 models. */
export class OrtBackend implements InferenceBackend {
  readonly name = 'onnxruntime-node';
  /** A run holds this thread until it ends: a second batch handed over would only wait behind it. */
  readonly maxRunsInFlight = 1;
  /** Sessions opened and not released, which `close` releases. */
  private readonly sessions = new Set<OrtSession>();
  private closed = false;

  constructor(private readonly options: OrtBackendOptions) {}

  async open(modelPath: string): Promise<InferenceSession> {
    if (this.closed) throw backendClosedError();
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: this.options.graphOptimizationLevel ?? 'all',
      enableCpuMemArena: this.options.enableCpuMemArena ?? true,
      executionMode: this.options.executionMode ?? 'sequential',
      ...(this.options.intraOpNumThreads > 0 ? { intraOpNumThreads: this.options.intraOpNumThreads } : {}),
      ...(this.options.interOpNumThreads ? { interOpNumThreads: this.options.interOpNumThreads } : {}),
      extra: { session: { intra_op: { allow_spinning: this.options.allowSpinning ? '1' : '0' } } },
    });
    if (this.closed) {
      await session.release();
      throw backendClosedError();
    }
    const opened: OrtSession = new OrtSession(session, () => this.sessions.delete(opened));
    this.sessions.add(opened);
    return opened;
  }

  /** Releases every session still open, each once its runs in flight have ended; every later call fails. */
  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.sessions];
    this.sessions.clear();
    await Promise.all(open.map((session) => session.end()));
  }
}

class OrtSession implements InferenceSession {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * onnxruntime-node refuses tensors over shared memory ("Invalid argument"), where the gateway keeps uploads and
   * batches: they are copied into this buffer, reused from run to run, or into a fresh one while another run of this
   * session holds it.
   */
  private scratch = new Float64Array(0);
  private scratchInUse = false;
  /** Runs not yet settled: the backend's `close` lets them end before it releases the session. */
  private readonly running = new Set<Promise<Float64Tensor>>();
  private ended = false;

  /** @param onRelease told when its owner releases the session: the backend's `close` then has nothing to release */
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly onRelease: () => void,
  ) {
    this.inputs = Object.freeze(session.inputMetadata.map(specOf));
    this.outputs = Object.freeze(session.outputMetadata.map(specOf));
  }

  async run(input: Float64Tensor): Promise<Float64Tensor> {
    if (this.ended) throw backendClosedError();
    const run = this.compute(input);
    this.running.add(run);
    try {
      return await run;
    } finally {
      this.running.delete(run);
    }
  }

  async release(): Promise<void> {
    if (this.ended) throw backendClosedError();
    this.onRelease();
    await this.session.release();
  }

  /** The backend is closing: no run starts any more, and the session is released once those in flight have ended. */
  async end(): Promise<void> {
    this.ended = true;
    await Promise.allSettled(this.running);
    await this.session.release();
  }

  private async compute(input: Float64Tensor): Promise<Float64Tensor> {
    const [inputName] = this.session.inputNames;
    const [outputName] = this.session.outputNames;
    if (inputName === undefined || outputName === undefined) throw new Error('model has no input or output');
    const dtype = this.inputs[0]?.dtype ?? 'unknown';
    let result: ort.InferenceSession.ReturnType;
    if (dtype === 'float64') {
      result = await this.runFloat64(inputName, outputName, input);
    } else {
      // Another element type: the conversion is the copy ONNX Runtime needs anyway.
      result = await this.session.run({ [inputName]: converted(input, dtype) }, [outputName]);
    }
    const out = result[outputName];
    if (out === undefined) throw new Error(`model gave no output ${outputName}`);
    return { data: asFloat64(out), dims: out.dims };
  }

  private async runFloat64(
    inputName: string,
    outputName: string,
    input: Float64Tensor,
  ): Promise<ort.InferenceSession.ReturnType> {
    const shared = isShared(input.data);
    const reuse = shared && !this.scratchInUse;
    let data = input.data;
    if (reuse) {
      if (this.scratch.length < data.length) this.scratch = new Float64Array(data.length);
      data = this.scratch.subarray(0, data.length);
      data.set(input.data);
      this.scratchInUse = true;
    } else if (shared) data = new Float64Array(input.data);
    try {
      return await this.session.run({ [inputName]: new ort.Tensor('float64', data, input.dims) }, [outputName]);
    } finally {
      if (reuse) this.scratchInUse = false;
    }
  }
}

/**
 * The gateway's float64 values as a tensor of the model's input type. Integer types take whole numbers only (token
 * ids, class indices): a fraction or a value out of range fails the run rather than being rounded into another id.
 */
function converted(input: Float64Tensor, dtype: TensorDtype): ort.Tensor {
  const { data, dims } = input;
  switch (dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(data), dims);
    case 'int32':
      return new ort.Tensor(
        'int32',
        Int32Array.from(data, (v) => wholeNumber(v, -(2 ** 31), 2 ** 31 - 1)),
        dims,
      );
    case 'int64': {
      const ints = new BigInt64Array(data.length);
      for (let i = 0; i < data.length; i += 1) ints[i] = BigInt(wholeNumber(data[i] ?? NaN));
      return new ort.Tensor('int64', ints, dims);
    }
    case 'float64':
      return new ort.Tensor('float64', new Float64Array(data), dims);
    case 'unknown':
      throw new Error('the model takes an input of a type the gateway does not support');
    default:
      return assertNever(dtype);
  }
}

function wholeNumber(v: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${v} is not a whole number the input can hold`);
  return v;
}

/** An output as float64 values, whatever its numeric type. */
function asFloat64(out: ort.Tensor): Float64Array {
  switch (out.type) {
    case 'float64':
      return out.data as Float64Array;
    case 'float32':
    case 'int32':
      return Float64Array.from(out.data as Float32Array | Int32Array);
    case 'int64':
      return Float64Array.from(out.data as BigInt64Array, Number);
    default:
      throw new Error(`output of type ${out.type} is not numeric`);
  }
}
