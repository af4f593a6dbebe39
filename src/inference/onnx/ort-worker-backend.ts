import type { Worker } from 'node:worker_threads';

import { isShared, startWorker } from '../../lib/worker-thread';
import type { Float64Tensor, InferenceBackend, InferenceSession, TensorSpec } from '../backend';
import type { OrtBackendOptions } from './ort-backend';
import type { OrtWorkerReply, OrtWorkerRequest, OrtWorkerResult } from './ort-worker-protocol';

type Request = OrtWorkerRequest extends infer R ? (R extends OrtWorkerRequest ? Omit<R, 'id'> : never) : never;

type WorkerState =
  { readonly kind: 'idle' } | { readonly kind: 'running'; readonly worker: Worker } | { readonly kind: 'closed' };

/**
 * ONNX Runtime sessions on a worker thread of their own. onnxruntime-node runs a model synchronously on the thread
 * that calls `run`; on the main thread, each run would stop the event loop for its whole duration (11 ms for a
 * batch of 32 on `ecg-rhythm`), so uploads, decoding and responses of other requests would wait for it instead of
 * overlapping it. Inputs in shared memory reach the worker without a copy (ONNX Runtime itself then needs one:
 * see `OrtSession.run`).
 *
 * One worker holds every session, so runs are serialised as they were on the main thread; the intra-op thread pool
 * (ONNX Runtime's own threads) does the parallel work inside each run.
 */
export class OrtWorkerBackend implements InferenceBackend {
  readonly name = 'onnxruntime-node (worker thread)';
  private state: WorkerState = { kind: 'idle' };
  private readonly pending = new Map<number, (reply: OrtWorkerReply) => void>();
  private nextId = 0;

  /** @param onExit told when the worker ends unexpectedly; every session it held is then gone. */
  constructor(
    private readonly options: OrtBackendOptions,
    private readonly onExit: (exitCode: number) => void = () => undefined,
  ) {}

  async open(modelPath: string): Promise<InferenceSession> {
    const result = await this.call({ op: 'open', modelPath });
    if (result.op !== 'open') throw new Error('inference worker answered out of turn');
    return new WorkerSession(this, result.session, result.inputs, result.outputs);
  }

  /** Ends the worker (and with it every session); calls in flight and later calls fail. */
  async close(): Promise<void> {
    const { state } = this;
    this.state = { kind: 'closed' };
    if (state.kind === 'running') await state.worker.terminate();
    this.failPending('the inference backend is closed');
  }

  /** @internal */
  call(request: Request, transfer: ArrayBuffer[] = []): Promise<OrtWorkerResult> {
    const worker = this.worker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.message))));
      // Only a worker with work in hand keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  private worker(): Worker {
    switch (this.state.kind) {
      case 'running':
        return this.state.worker;
      case 'closed':
        throw new Error('the inference backend is closed');
      case 'idle': {
        const worker = startWorker(__filename, 'ort-session.worker', { workerData: this.options });
        worker.unref();
        worker.on('message', (reply: OrtWorkerReply) => {
          const settle = this.pending.get(reply.id);
          this.pending.delete(reply.id);
          if (this.pending.size === 0) worker.unref();
          settle?.(reply);
        });
        worker.on('error', () => undefined); // 'exit' follows
        worker.once('exit', (code) => this.exited(worker, code));
        this.state = { kind: 'running', worker };
        return worker;
      }
    }
  }

  private exited(worker: Worker, code: number): void {
    if (this.state.kind !== 'running' || this.state.worker !== worker) return;
    this.state = { kind: 'closed' };
    this.failPending(`inference worker exited (${code})`);
    this.onExit(code);
  }

  private failPending(message: string): void {
    for (const [id, settle] of this.pending) settle({ id, ok: false, message });
    this.pending.clear();
  }
}

class WorkerSession implements InferenceSession {
  constructor(
    private readonly backend: OrtWorkerBackend,
    private readonly id: number,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
  ) {}

  async run(input: Float64Tensor): Promise<Float64Tensor> {
    // Shared memory is shared as is; anything else is copied once into a buffer of its own and moved, never
    // cloned whole (a view's whole underlying buffer would be).
    const data = isShared(input.data) ? input.data : input.data.slice();
    const transfer = isShared(data) ? [] : [data.buffer as ArrayBuffer];
    const result = await this.backend.call({ op: 'run', session: this.id, data, dims: input.dims }, transfer);
    if (result.op !== 'run') throw new Error('inference worker answered out of turn');
    return { data: result.data, dims: result.dims };
  }

  async release(): Promise<void> {
    await this.backend.call({ op: 'release', session: this.id });
  }
}
