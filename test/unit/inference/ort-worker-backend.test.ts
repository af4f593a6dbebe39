import path from 'node:path';

import { OrtBackend } from '../../../src/inference/onnx/ort-backend';
import { OrtWorkerBackend } from '../../../src/inference/onnx/ort-worker-backend';
import { sharedFloat64Array } from '../../../src/lib/worker-thread';
import { heldoutInputs } from '../../support/held-request';
import { MODEL_DIR, sameBits } from '../../support/reference';

jest.setTimeout(60_000);

const MODEL = path.join(MODEL_DIR, 'model.onnx');
const L = 5000;
const options = { intraOpNumThreads: 1, allowSpinning: false };

describe('OrtWorkerBackend (ONNX Runtime sessions on a worker thread)', () => {
  it('answers bit for bit what an in-thread session answers, for inputs in shared and in ordinary memory', async () => {
    const inputs = heldoutInputs().subarray(0, 8 * L);
    const local = await new OrtBackend(options).open(MODEL);
    const expected = await local.run({ data: inputs, dims: [8, L, 1] });
    const backend = new OrtWorkerBackend(options);
    try {
      const session = await backend.open(MODEL);
      expect(session.inputs).toEqual(local.inputs);
      const shared = sharedFloat64Array(inputs.length);
      shared.set(inputs);
      const [fromShared, fromOrdinary] = await Promise.all([
        session.run({ data: shared, dims: [8, L, 1] }),
        session.run({ data: inputs, dims: [8, L, 1] }),
      ]);
      expect(fromShared.dims).toEqual([8, 2]);
      expect(sameBits(fromShared.data, expected.data)).toBe(true);
      expect(sameBits(fromOrdinary.data, expected.data)).toBe(true);
      expect(inputs.length).toBe(8 * L); // an ordinary input is copied, not moved away from its owner
      await session.release();
    } finally {
      await local.release();
      await backend.close();
    }
  });

  it('reports a file ONNX Runtime cannot open as an error, and keeps serving', async () => {
    const backend = new OrtWorkerBackend(options);
    try {
      await expect(backend.open(path.join(MODEL_DIR, 'manifest.json'))).rejects.toThrow();
      const session = await backend.open(MODEL);
      const out = await session.run({ data: heldoutInputs().subarray(0, L), dims: [1, L, 1] });
      expect(out.dims).toEqual([1, 2]);
    } finally {
      await backend.close();
    }
  });

  it('fails a run in flight when closed, and every call after', async () => {
    const backend = new OrtWorkerBackend(options);
    const session = await backend.open(MODEL);
    const inFlight = session.run({ data: heldoutInputs().subarray(0, 32 * L), dims: [32, L, 1] });
    await backend.close();
    await expect(inFlight).rejects.toThrow('closed');
    await expect(session.run({ data: heldoutInputs().subarray(0, L), dims: [1, L, 1] })).rejects.toThrow('closed');
    await expect(backend.open(MODEL)).rejects.toThrow('closed');
  });
});
