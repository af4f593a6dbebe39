/**
 * What every `InferenceBackend` must do, as one suite that each implementation runs (`backend-*.test.ts`): the
 * in-thread ONNX Runtime backend, the one on its worker thread, the one in a child process, the isolated backend
 * over each of the last two (a runner per session: what serves models), and the fake the unit tests use. The registry, the
 * batcher and the gateway rely on nothing else of a backend, so a backend that passes can replace another.
 *
 * Outputs are compared bit for bit with the implementation's reference: a direct onnxruntime-node session for the
 * real backends (so both give the same bits as each other), the fake's own formula for the fake.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { types } from 'node:util';

import type { Float64Tensor, InferenceBackend, TensorSpec } from '../../src/inference/backend';
import { sharedFloat64Array } from '../../src/lib/worker-thread';
import { heldoutInputs } from '../support/held-request';
import { HELDOUT, MODEL_DIR, readNpy, sameBits } from '../support/reference';
import { typedModels } from '../support/typed-models';

/** Values per held-out ECG (`[5000, 1]` per sample). */
const L = 5000;
const HELDOUT_COUNT = 300;

/** The model files every backend is opened with. */
export const CONTRACT_MODELS = {
  /** The shipped model. */
  shipped: path.join(MODEL_DIR, 'model.onnx'),
  /** A path where no file is. */
  missing: path.join(tmpdir(), `infergraph-contract-${process.pid}`, 'missing', 'model.onnx'),
  /** A file that is not a model (written by the suite). */
  junk: path.join(tmpdir(), `infergraph-contract-${process.pid}-junk.onnx`),
} as const;

/** What a backend's answers are held to. */
export interface BackendReference {
  /** The outputs the backend must give for `input`, bit for bit. */
  outputs(input: Float64Tensor): Promise<Float64Array>;
  /** The message `open` must reject with for `modelPath`. */
  openError(modelPath: string): Promise<string>;
  /**
   * Whether the backend runs the shipped model itself: its outputs for the held-out set must then also agree with
   * the ones PyTorch recorded (`heldout/expected_outputs.npy`) to the tolerance of the export.
   */
  readonly runsTheModel: boolean;
}

/** One implementation under the contract. */
export interface BackendImplementation {
  /** A fresh backend; the suite closes every one it makes. */
  create(): InferenceBackend;
  readonly reference: BackendReference;
}

interface ManifestSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** The inputs and outputs the shipped model's manifest declares. */
export const SHIPPED_SIGNATURE: ManifestSignature = JSON.parse(
  readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8'),
) as ManifestSignature;

/** `n` held-out ECGs from sample `from`, as a batch tensor in ordinary (or shared) memory. */
function heldout(from: number, n: number, shared = false): Float64Tensor {
  const values = heldoutInputs().subarray(from * L, (from + n) * L);
  const data = shared ? sharedFloat64Array(values.length) : new Float64Array(values.length);
  data.set(values);
  return { data, dims: [n, L, 1] };
}

/** Defines the contract suite for one implementation. */
export function defineInferenceBackendSuite(name: string, implementation: BackendImplementation): void {
  const { reference } = implementation;
  const made: InferenceBackend[] = [];
  const create = (): InferenceBackend => {
    const backend = implementation.create();
    made.push(backend);
    return backend;
  };

  describe(`InferenceBackend contract: ${name}`, () => {
    let backend: InferenceBackend;
    beforeAll(() => {
      writeFileSync(CONTRACT_MODELS.junk, 'this is not an ONNX model\n'.repeat(64));
      backend = create();
    });
    afterAll(async () => {
      await Promise.all(made.splice(0).map((b) => b.close()));
    });

    it('opens the shipped model with the inputs and outputs of its manifest', async () => {
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        expect(session.inputs).toEqual(SHIPPED_SIGNATURE.inputs);
        expect(session.outputs).toEqual(SHIPPED_SIGNATURE.outputs);
      } finally {
        await session.release();
      }
    });

    it("rejects a missing file and a file that is not a model in the reference's words, and keeps serving", async () => {
      for (const modelPath of [CONTRACT_MODELS.missing, CONTRACT_MODELS.junk]) {
        const error: unknown = await backend.open(modelPath).then(
          () => undefined,
          (e: unknown) => e,
        );
        // An Error of any realm (onnxruntime-node's native side makes its own).
        expect(types.isNativeError(error)).toBe(true);
        expect((error as Error).message).toBe(await reference.openError(modelPath));
      }
      const session = await backend.open(CONTRACT_MODELS.shipped);
      const input = heldout(0, 1);
      expect(sameBits((await session.run(input)).data, await reference.outputs(input))).toBe(true);
      await session.release();
    });

    it.each([1, 8, 32])("runs %i held-out ECGs to the reference's bits, one row per sample", async (n) => {
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        const input = heldout(40, n);
        const output = await session.run(input);
        expect(output.dims).toEqual([n, 2]);
        expect(output.data).toHaveLength(n * 2);
        expect(sameBits(output.data, await reference.outputs(input))).toBe(true);
      } finally {
        await session.release();
      }
    });

    it('gives the same bits for the same input, run after run', async () => {
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        const input = heldout(100, 4);
        const first = await session.run(input);
        for (let i = 0; i < 3; i += 1) expect(sameBits((await session.run(input)).data, first.data)).toBe(true);
      } finally {
        await session.release();
      }
    });

    it('answers concurrent runs each with its own rows, from shared and from ordinary memory, leaving inputs as they were', async () => {
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        const inputs = Array.from({ length: 6 }, (_, i) => heldout(i * 5, 2 + (i % 3), i % 2 === 0));
        const copies = inputs.map((input) => Float64Array.from(input.data));
        const outputs = await Promise.all(inputs.map((input) => session.run(input)));
        for (const [i, input] of inputs.entries()) {
          expect(outputs[i]?.dims).toEqual([input.dims[0], 2]);
          expect(sameBits(outputs[i]?.data ?? new Float64Array(), await reference.outputs(input))).toBe(true);
          // Not moved away from its owner, nor written to.
          expect(sameBits(input.data, copies[i] ?? new Float64Array())).toBe(true);
        }
      } finally {
        await session.release();
      }
    });

    it("runs the whole held-out set in batches of 32 to the reference's bits", async () => {
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        for (let from = 0; from < HELDOUT_COUNT; from += 32) {
          const input = heldout(from, Math.min(32, HELDOUT_COUNT - from));
          expect(sameBits((await session.run(input)).data, await reference.outputs(input))).toBe(true);
        }
      } finally {
        await session.release();
      }
    });

    if (reference.runsTheModel) {
      it('agrees with the outputs PyTorch recorded for the held-out set, within 1e-5', async () => {
        const expected = readNpy(path.join(HELDOUT, 'expected_outputs.npy')).data as Float64Array;
        expect(expected).toHaveLength(HELDOUT_COUNT * 2);
        const session = await backend.open(CONTRACT_MODELS.shipped);
        try {
          let worst = 0;
          for (let from = 0; from < HELDOUT_COUNT; from += 32) {
            const n = Math.min(32, HELDOUT_COUNT - from);
            const { data } = await session.run(heldout(from, n));
            data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (expected[from * 2 + i] ?? NaN)))));
          }
          expect(worst).toBeLessThan(1e-5);
        } finally {
          await session.release();
        }
      });
    }

    if (reference.runsTheModel) {
      it("converts to the model's input type (float32, int64) and gives its outputs as float64", async () => {
        const models = typedModels();
        const f32 = await backend.open(models.float32);
        const i64 = await backend.open(models.int64);
        try {
          expect(f32.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 3] }]);
          const x = [0.1, -2, 1e-8, 3.3, 65504, 0.7];
          const y = await f32.run({ data: Float64Array.from(x), dims: [2, 3] });
          expect(y.dims).toEqual([2, 3]);
          // Each step rounded to float32, as ONNX Runtime computes it.
          const f = Math.fround;
          expect([...y.data]).toEqual(x.map((v) => f(f(f(v) * 0.5) + 0.25)));

          expect(i64.inputs).toEqual([{ name: 'ids', dtype: 'int64', shape: ['N', 4] }]);
          const ids = await i64.run({ data: Float64Array.from([1, 2, 3, 4, 0, 0, 2 ** 40, 7]), dims: [2, 4] });
          expect({ data: [...ids.data], dims: ids.dims }).toEqual({ data: [10, 2 ** 40 + 7], dims: [2, 1] });
          // Ids are whole numbers: a fraction is refused, never rounded into another id.
          await expect(i64.run({ data: Float64Array.from([1, 2, 3.5, 4]), dims: [1, 4] })).rejects.toThrow(
            '3.5 is not a whole number the input can hold',
          );
        } finally {
          await Promise.all([f32.release(), i64.release()]);
        }
      });
    }

    it('releases one session while others of the same model keep running, and opens new ones after', async () => {
      const [kept, released] = await Promise.all([
        backend.open(CONTRACT_MODELS.shipped),
        backend.open(CONTRACT_MODELS.shipped),
      ]);
      const input = heldout(7, 3);
      await released?.release();
      expect(sameBits((await kept?.run(input))?.data ?? new Float64Array(), await reference.outputs(input))).toBe(true);
      const again = await backend.open(CONTRACT_MODELS.shipped);
      expect(sameBits((await again.run(input)).data, await reference.outputs(input))).toBe(true);
      await Promise.all([kept?.release(), again.release()]);
    });

    it('says how many runs it takes at once (a whole number, at least 1), and answers that many handed over together', async () => {
      const { maxRunsInFlight } = backend;
      expect(Number.isInteger(maxRunsInFlight)).toBe(true);
      expect(maxRunsInFlight).toBeGreaterThanOrEqual(1);
      const session = await backend.open(CONTRACT_MODELS.shipped);
      try {
        const inputs = Array.from({ length: maxRunsInFlight }, (_, i) => heldout(200 + i * 4, 4));
        const outputs = await Promise.all(inputs.map((input) => session.run(input)));
        for (const [i, input] of inputs.entries())
          expect(sameBits(outputs[i]?.data ?? new Float64Array(), await reference.outputs(input))).toBe(true);
      } finally {
        await session.release();
      }
    });

    it('fails every call after close: open, and run and release of a session opened before', async () => {
      const closing = create();
      const session = await closing.open(CONTRACT_MODELS.shipped);
      await closing.close();
      await expect(closing.open(CONTRACT_MODELS.shipped)).rejects.toThrow('closed');
      await expect(session.run(heldout(0, 1))).rejects.toThrow('closed');
      await expect(session.release()).rejects.toThrow('closed');
      await closing.close(); // closing again is harmless
    });

    it('settles a run in flight when closed: with its right outputs, or failing as closed', async () => {
      const closing = create();
      const session = await closing.open(CONTRACT_MODELS.shipped);
      const input = heldout(0, 32);
      const inFlight = session.run(input).then(
        (output) => output.data,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      await closing.close();
      const settled = await inFlight;
      if (settled instanceof Error) expect(settled.message).toMatch('closed');
      else expect(sameBits(settled, await reference.outputs(input))).toBe(true);
    });
  });
}
