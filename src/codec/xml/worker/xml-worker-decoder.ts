import { Worker } from 'node:worker_threads';

import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import { isShared, startWorker } from '../../../lib/worker-thread';
import { NO_INSTRUMENTATION, type Instrumentation } from '../../../telemetry/instrumentation';
import type { AsyncBatchDecoder, BatchExpectation, PendingSamples, SignalBatch } from '../../signal-batch';
import {
  fromWireError,
  type XmlDecodeReply,
  type XmlDecodeRequest,
  type XmlWorkerData,
  type XmlWorkerMessage,
} from './xml-worker-protocol';

/** Settings of {@link XmlWorkerDecoder}. */
export interface XmlWorkerDecoderOptions extends XmlWorkerData {
  /** Receives the worker's stage timings, replayed inside the caller's current stage. */
  readonly instrumentation?: Instrumentation;
  /** Called when the worker dies unexpectedly (its requests fail; the next request starts a new worker). */
  readonly onCrash?: (exitCode: number) => void;
  /** Another worker entry speaking the same protocol (tests). */
  readonly script?: string;
}

type WorkerState =
  | { readonly kind: 'running'; readonly worker: Worker; readonly ready: Promise<void> }
  | { readonly kind: 'crashed' }
  | { readonly kind: 'closed' };

interface Pending {
  readonly worker: Worker;
  readonly settle: (reply: XmlDecodeReply | GatewayError) => void;
}

/**
 * Decodes XML batches on a worker thread, so that parsing one upload overlaps the inference and the HTTP work of
 * others. There is one worker: libxmljs2 can be loaded by one thread per process (scale XML throughput with
 * replicas). Requests are answered in the order they were sent; a crashed worker fails only the requests it held.
 */
export class XmlWorkerDecoder implements AsyncBatchDecoder {
  readonly format = 'xml';
  private state: WorkerState;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(private readonly options: XmlWorkerDecoderOptions) {
    this.state = this.spawn();
  }

  /** Starts the worker and waits until it has loaded the schema; a broken schema fails here, as in-thread. */
  static async start(options: XmlWorkerDecoderOptions): Promise<XmlWorkerDecoder> {
    const decoder = new XmlWorkerDecoder(options);
    if (decoder.state.kind === 'running') await decoder.state.ready;
    return decoder;
  }

  /**
   * Decodes one upload, taking ownership of `bytes` (its memory may be moved to the worker). With `firstPart` below
   * the upload's sample count, only that many samples are read before this resolves; the batch then has `pending`,
   * which reads the rest in parts of the same size.
   */
  async decode(bytes: Buffer, expect: BatchExpectation, firstPart = 0): Promise<SignalBatch> {
    const owned = ownedBytes(bytes);
    const document = this.nextId++;
    const request: XmlDecodeRequest = { kind: 'decode', id: document, bytes: owned, expect, firstPart };
    const reply = this.settled(await this.send(request, isShared(owned) ? [] : [owned.buffer as ArrayBuffer]));
    const ids = [...reply.ids];
    const batch: SignalBatch = {
      format: 'xml',
      ids,
      count: reply.count,
      sampleLength: reply.sampleLength,
      values: reply.values,
    };
    return reply.read === reply.count
      ? batch
      : { ...batch, pending: this.rest(document, reply.read, reply.count, firstPart, ids) };
  }

  async close(): Promise<void> {
    const { state } = this;
    this.state = { kind: 'closed' };
    if (state.kind === 'running') await state.worker.terminate();
  }

  /** The rest of a document the worker keeps, read on demand. */
  private rest(document: number, read: number, count: number, part: number, ids: string[]): PendingSamples {
    let ready = read;
    let dropped = false;
    return {
      get ready() {
        return ready;
      },
      next: async () => {
        const reply = this.settled(await this.send({ kind: 'more', id: this.nextId++, document, upTo: ready + part }));
        ids.push(...reply.ids);
        ready = reply.read;
        return ready;
      },
      abandon: () => {
        if (dropped || ready === count) return;
        dropped = true;
        if (this.state.kind === 'running')
          this.state.worker.postMessage({ kind: 'drop', document } satisfies XmlDecodeRequest);
      },
    };
  }

  /** A reply as the caller sees it: stage timings replayed in the caller's context, refusals thrown. */
  private settled(reply: XmlDecodeReply | GatewayError): Extract<XmlDecodeReply, { kind: 'decoded' }> {
    if (reply instanceof GatewayError) throw reply;
    (this.options.instrumentation ?? NO_INSTRUMENTATION).replay(reply.stages);
    if (reply.kind === 'refused') throw fromWireError(reply.error);
    return reply;
  }

  private async send(
    request: Exclude<XmlDecodeRequest, { kind: 'drop' }>,
    transfer: ArrayBuffer[] = [],
  ): Promise<XmlDecodeReply | GatewayError> {
    if (this.state.kind === 'crashed') this.state = this.spawn();
    const state = this.state;
    if (state.kind !== 'running') return new GatewayError(ErrorCode.SHUTTING_DOWN, 'The gateway is shutting down.');
    await state.ready;
    // The worker may have died while this request waited: a message to it would never be answered.
    if (this.state !== state) return workerFailure();
    return new Promise((settle) => {
      this.pending.set(request.id, { worker: state.worker, settle });
      state.worker.postMessage(request, transfer);
    });
  }

  private spawn(): WorkerState {
    const { xsdPath, maxXmlBytes } = this.options;
    const options = { workerData: { xsdPath, maxXmlBytes } satisfies XmlWorkerData };
    const worker =
      this.options.script === undefined
        ? startWorker(__filename, 'xml-decode.worker', options)
        : new Worker(this.options.script, options);
    // Idle, the worker must not keep the process alive; the server does while requests are in flight.
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: XmlWorkerMessage) => {
        if (message.kind === 'ready') resolve();
        else if (message.kind === 'unusable') reject(fromWireError(message.error));
        else this.settle(message);
      });
      worker.once('exit', (code) => {
        reject(workerFailure());
        this.onExit(worker, code);
      });
    });
    // Whoever awaits `ready` sees the failure; an unobserved one must not crash the process.
    ready.catch(() => undefined);
    // Errors thrown in the worker end it; 'exit' (above) does the cleaning up.
    worker.on('error', () => undefined);
    return { kind: 'running', worker, ready };
  }

  private settle(reply: XmlDecodeReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    pending?.settle(reply);
  }

  private onExit(worker: Worker, code: number): void {
    for (const [id, pending] of this.pending) {
      if (pending.worker !== worker) continue;
      this.pending.delete(id);
      pending.settle(workerFailure());
    }
    if (this.state.kind === 'running' && this.state.worker === worker) {
      this.state = { kind: 'crashed' };
      this.options.onCrash?.(code);
    }
  }
}

/**
 * The upload as the worker may have it: shared memory (uploads are read into it) as is; otherwise its own memory,
 * moved, or a copy when the Buffer is a slice of memory it does not own (Node's small-buffer pool).
 */
function ownedBytes(bytes: Buffer): Uint8Array {
  if (isShared(bytes)) return bytes;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
}

function workerFailure(): GatewayError {
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'The XML batch could not be decoded.');
}
