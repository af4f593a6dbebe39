import type { Worker } from 'node:worker_threads';

import { assertNever } from '../../lib/assert-never';
import { WorkerChannel, type ChannelFailure, type Unnumbered } from '../../lib/worker-channel';
import { isShared, startWorker } from '../../lib/worker-thread';
import type { Float64Tensor, InferenceBackend, InferenceSession, TensorSpec } from '../backend';
import { backendClosedError, type OrtBackendOptions } from './ort-backend';
import type { OrtWorkerReply, OrtWorkerRequest, OrtWorkerResult } from './ort-worker-protocol';

/**
 * ONNX Runtime sessions on a worker thread of their own. onnxruntime-node runs a model synchronously on the thread
 * that calls `run`; on the main thread, each run would stop the event loop for its whole duration, so uploads,
 * decoding and responses of other requests would wait for it instead of overlapping it. Inputs in shared memory
 * reach the worker without a copy (ONNX Runtime itself is then handed one: see `OrtSession.run`).
 *
 * One worker holds every session opened through this backend, so their runs are serialised as they were on the main
 * thread; the intra-op thread pool (ONNX Runtime's own threads) does the parallel work inside each run. To serve,
 * `IsolatedBackend` gives each session a backend (a worker) of its own.
 */
export class OrtWorkerBackend implements InferenceBackend {
  readonly name: string = 'onnxruntime-node (worker thread)';
  /** The worker queues runs itself: a full batch may wait there, handed over, while another runs. */
  readonly maxRunsInFlight = 2;
  // The sessions live in the worker and die with it: after a crash there is nothing a new worker could serve.
  private readonly channel: WorkerChannel<OrtWorkerRequest, OrtWorkerReply>;

  /**
   * @param onExit told when the worker ends unexpectedly; every session it held is then gone.
   * @param spawn starts the worker (default: the worker thread `ort-session.worker`).
   */
  constructor(
    options: OrtBackendOptions,
    onExit: (exitCode: number) => void = () => undefined,
    spawn: () => Worker = () => startWorker(__filename, 'ort-session.worker', { workerData: options }),
  ) {
    this.channel = new WorkerChannel({
      spawn,
      afterCrash: 'stay-down',
      failure: failureError,
      onCrash: onExit,
    });
  }

  async open(modelPath: string): Promise<InferenceSession> {
    const result = await this.call({ op: 'open', modelPath });
    if (result.op !== 'open') throw new Error('inference worker answered out of turn');
    return new WorkerSession(this, result.session, result.inputs, result.outputs);
  }

  /** Ends the worker (and with it every session); calls in flight and later calls fail. */
  async close(): Promise<void> {
    await this.channel.close();
  }

  /** @internal */
  async call(request: Unnumbered<OrtWorkerRequest>, transfer: ArrayBuffer[] = []): Promise<OrtWorkerResult> {
    const reply = await this.channel.call(request, transfer);
    if (!reply.ok) throw new Error(reply.message);
    return reply.result;
  }
}

function failureError(failure: ChannelFailure): Error {
  switch (failure.kind) {
    case 'crashed':
      return new Error(`inference worker exited (${failure.exitCode})`);
    case 'down':
    case 'terminated':
    case 'closed':
      return backendClosedError();
    default:
      return assertNever(failure);
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
