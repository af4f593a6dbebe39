import { Worker } from 'node:worker_threads';

import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import { assertNever } from '../../../lib/assert-never';
import { WorkerChannel, type ChannelFailure, type Unnumbered } from '../../../lib/worker-channel';
import { isShared, startWorker } from '../../../lib/worker-thread';
import { NO_INSTRUMENTATION, type Instrumentation } from '../../../telemetry/instrumentation';
import type { AsyncBatchDecoder, BatchExpectation, PendingSamples, SignalBatch } from '../../signal-batch';
import {
  fromWireError,
  type XmlDecodeCall,
  type XmlDecodeNotice,
  type XmlDecodeReply,
  type XmlWorkerData,
  type XmlWorkerHello,
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

type Decoded = Extract<XmlDecodeReply, { kind: 'decoded' }>;

/**
 * Decodes XML batches on a worker thread, so that parsing one upload overlaps the inference and the HTTP work of
 * others. There is one worker: libxmljs2 can be loaded by one thread per process (scale XML throughput with
 * replicas). Requests are answered in the order they were sent; a crashed worker fails only the requests it held.
 */
export class XmlWorkerDecoder implements AsyncBatchDecoder {
  readonly format = 'xml';
  // The worker holds nothing between requests but documents read in part, whose requests fail with it: after a
  // crash, the next request may as well start a new one.
  private readonly channel: WorkerChannel<XmlDecodeCall, XmlDecodeReply, XmlDecodeNotice, XmlWorkerHello>;

  private constructor(private readonly options: XmlWorkerDecoderOptions) {
    this.channel = new WorkerChannel({
      spawn: () => spawnWorker(options),
      afterCrash: 'restart',
      handshake: (hello) => (hello.kind === 'ready' ? undefined : fromWireError(hello.error)),
      failure: failureError,
      onCrash: options.onCrash,
    });
  }

  /** Starts the worker and waits until it has loaded the schema; a broken schema fails here, as in-thread. */
  static async start(options: XmlWorkerDecoderOptions): Promise<XmlWorkerDecoder> {
    const decoder = new XmlWorkerDecoder(options);
    await decoder.channel.start();
    return decoder;
  }

  /**
   * Decodes one upload, taking ownership of `bytes` (its memory may be moved to the worker). With `firstPart` below
   * the upload's sample count, only that many samples are read before this resolves; the batch then has `pending`,
   * which reads the rest in parts of the same size.
   */
  async decode(bytes: Buffer, expect: BatchExpectation, firstPart = 0): Promise<SignalBatch> {
    const owned = ownedBytes(bytes);
    const transfer = isShared(owned) ? [] : [owned.buffer as ArrayBuffer];
    const reply = await this.send({ kind: 'decode', bytes: owned, expect, firstPart }, transfer);
    // The worker keeps a document read in part under the id of its `decode`.
    const document = reply.id;
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
    await this.channel.close();
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
        const reply = await this.send({ kind: 'more', document, upTo: ready + part });
        ids.push(...reply.ids);
        ready = reply.read;
        return ready;
      },
      abandon: () => {
        if (dropped || ready === count) return;
        dropped = true;
        this.channel.notify({ kind: 'drop', document });
      },
    };
  }

  /** A request's reply as the caller sees it: stage timings replayed in the caller's context, refusals thrown. */
  private async send(request: Unnumbered<XmlDecodeCall>, transfer: ArrayBuffer[] = []): Promise<Decoded> {
    const reply = await this.channel.call(request, transfer);
    (this.options.instrumentation ?? NO_INSTRUMENTATION).replay(reply.stages);
    if (reply.kind === 'refused') throw fromWireError(reply.error);
    return reply;
  }
}

function spawnWorker(options: XmlWorkerDecoderOptions): Worker {
  const { xsdPath, maxXmlBytes } = options;
  const workerOptions = { workerData: { xsdPath, maxXmlBytes } satisfies XmlWorkerData };
  return options.script === undefined
    ? startWorker(__filename, 'xml-decode.worker', workerOptions)
    : new Worker(options.script, workerOptions);
}

/** A worker that fails (rather than refusing a document) is the gateway's fault; once closed, it is shutting down. */
function failureError(failure: ChannelFailure): GatewayError {
  switch (failure.kind) {
    case 'crashed':
    case 'terminated':
    case 'down': // not on this channel: it restarts its worker
      return workerFailure();
    case 'closed':
      return new GatewayError(ErrorCode.SHUTTING_DOWN, 'The gateway is shutting down.');
    default:
      return assertNever(failure);
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
