/**
 * The main-thread side of OrtWorkerBackend against a stand-in worker speaking its protocol: what its answers are
 * made of, crashes and closing. What it answers with ONNX Runtime itself is the backend contract's
 * (`test/contract/backend-ort-worker.test.ts`).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { OrtWorkerBackend } from '../../../src/inference/onnx/ort-worker-backend';
import * as workerThread from '../../../src/lib/worker-thread';

const FAKE_WORKER = path.resolve(__dirname, '..', '..', 'fixtures', 'workers', 'fake-ort.worker.js');
const options = { intraOpNumThreads: 1, allowSpinning: false };
const input = (n: number, data: Float64Array = new Float64Array(n * 2)) => ({ data, dims: [n, 2] });

const backends: OrtWorkerBackend[] = [];
function started(onExit?: (exitCode: number) => void): OrtWorkerBackend {
  const backend = new OrtWorkerBackend(options, onExit);
  backends.push(backend);
  return backend;
}

beforeEach(() => {
  jest
    .spyOn(workerThread, 'startWorker')
    .mockImplementation((_caller, _name, workerOptions) => new Worker(FAKE_WORKER, workerOptions));
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close()));
  jest.restoreAllMocks();
});

describe('OrtWorkerBackend (ONNX Runtime sessions on a worker thread)', () => {
  it('shares inputs in shared memory as they are, and moves a copy of only the samples of any other', async () => {
    const session = await started().open('model');
    const shared = workerThread.sharedFloat64Array(4);
    expect(Array.from((await session.run(input(2, shared))).data)).toEqual([1, 4, 32]);
    const whole = new Float64Array(100);
    const view = whole.subarray(10, 14); // a view: the whole buffer under it must not be cloned, nor moved
    expect(Array.from((await session.run(input(2, view))).data)).toEqual([0, 4, 32]);
    expect(whole.buffer.byteLength).toBe(800);
  });

  it('rejects with the message of an error the worker reports, and keeps serving', async () => {
    const backend = started();
    await expect(backend.open('refuse')).rejects.toThrow('cannot open refuse');
    const session = await backend.open('model');
    expect(session.inputs).toEqual([{ name: 'in', dtype: 'float64', shape: ['N', 2] }]);
    await session.release();
    await expect(session.run(input(1))).rejects.toThrow('no session 0');
  });

  it('fails the calls in flight when its worker dies, tells onExit, and fails every call after: the sessions are gone', async () => {
    const exits: number[] = [];
    const backend = started((exitCode) => exits.push(exitCode));
    const session = await backend.open('model');
    const held = expect(session.run(input(0))).rejects.toThrow('inference worker exited (3)');
    await expect(backend.open('exit:3')).rejects.toThrow('inference worker exited (3)');
    await held;
    expect(exits).toEqual([3]);
    await expect(session.run(input(1))).rejects.toThrow('the inference backend is closed');
    await expect(backend.open('model')).rejects.toThrow('the inference backend is closed');
    expect(workerThread.startWorker).toHaveBeenCalledTimes(1); // no new worker: it would hold no session
  });

  it('fails a run in flight when closed, and every call after', async () => {
    const exits: number[] = [];
    const backend = started((exitCode) => exits.push(exitCode));
    const session = await backend.open('model');
    const inFlight = expect(session.run(input(0))).rejects.toThrow('the inference backend is closed');
    const opening = expect(backend.open('hold')).rejects.toThrow('the inference backend is closed');
    await backend.close();
    await Promise.all([inFlight, opening]);
    await expect(session.run(input(1))).rejects.toThrow('the inference backend is closed');
    await expect(backend.open('model')).rejects.toThrow('the inference backend is closed');
    expect(exits).toEqual([]); // closing is not a crash
  });
});
