/**
 * A process that runs one real XML worker ingest (`createBatchIngest` with `xmlWorker`, settings as JSON in its
 * first argument) and answers a jest test over IPC: `ingest-process.ts` is its other end. libxmljs2 can be loaded by
 * one thread per process, and jest runs many test files in one process, any of which may have loaded it on the main
 * thread; this process loads it in its XML worker thread only, as the gateway does (hence one ingest per process).
 *
 * What crosses IPC is copied by structured cloning (shared memory cannot cross processes): uploads go into shared
 * memory again here, as the gateway reads them; decoded values come back as copies, bit for bit; `GatewayError`s as
 * their code, message and details, which is all a `GatewayError` is.
 */
import path from 'node:path';

import { createBatchIngest, type BatchIngest } from '../../src/codec/batch-ingest';
import type { SignalBatch } from '../../src/codec/signal-batch';
import { isGatewayError } from '../../src/errors/gateway-error';
import { STARTED, type HostError, type HostReply, type HostRequest } from './ingest-protocol';
import type { IngestSettings } from './xml-ingest.contract';

const XSD_PATH = path.resolve(__dirname, '..', '..', 'schema', 'batch.v1.xsd');
const settings = JSON.parse(process.argv[2] ?? '{}') as IngestSettings;

/** Batches still read in parts, by handle. */
const partial = new Map<number, SignalBatch>();
let nextHandle = 0;

function errorOf(error: unknown): HostError {
  if (isGatewayError(error)) return { gateway: true, code: error.code, message: error.message, details: error.details };
  return { gateway: false, message: error instanceof Error ? error.message : String(error) };
}

/** The values of samples `from` to `to`, copied out of shared memory. */
const slice = (batch: SignalBatch, from: number, to: number): Float64Array =>
  batch.values.slice(from * batch.sampleLength, to * batch.sampleLength);

async function handle(ingest: BatchIngest, request: Exclude<HostRequest, { op: 'abandon' }>): Promise<HostReply> {
  switch (request.op) {
    case 'decode': {
      const bytes = Buffer.from(new SharedArrayBuffer(request.bytes.byteLength));
      bytes.set(request.bytes);
      const batch = await ingest.decode(bytes, request.filename, request.expect);
      const ready = batch.pending?.ready ?? batch.count;
      const handle = ready < batch.count ? nextHandle++ : undefined;
      if (handle !== undefined) partial.set(handle, batch);
      const { format, count, sampleLength } = batch;
      const values = new Float64Array(count * sampleLength);
      values.set(slice(batch, 0, ready));
      const result = { op: 'decode' as const, format, count, sampleLength, ids: [...batch.ids], values, ready, handle };
      return { id: request.id, ok: true, result };
    }
    case 'next': {
      const batch = partial.get(request.handle);
      if (batch?.pending === undefined) throw new Error(`no batch ${request.handle}`);
      const from = batch.pending.ready;
      let ready: number;
      try {
        ready = await batch.pending.next();
      } catch (error) {
        partial.delete(request.handle);
        throw error;
      }
      if (ready === batch.count) partial.delete(request.handle);
      const ids = batch.ids.slice(from, ready);
      return { id: request.id, ok: true, result: { op: 'next', ready, ids, values: slice(batch, from, ready) } };
    }
    case 'loaded':
      // What the main thread of this process has loaded of libxmljs2 (nothing, if the worker does the parsing).
      return {
        id: request.id,
        ok: true,
        result: { op: 'loaded', modules: Object.keys(require.cache).filter((m) => m.includes('libxmljs2')) },
      };
  }
}

const send = (reply: HostReply): void => {
  process.send?.(reply);
};

function serve(ingest: BatchIngest): void {
  process.on('message', (request: HostRequest) => {
    if (request.op === 'abandon') {
      partial.get(request.handle)?.pending?.abandon();
      partial.delete(request.handle);
      return;
    }
    handle(ingest, request).then(send, (error: unknown) => send({ id: request.id, ok: false, error: errorOf(error) }));
  });
  // Closed by its parent: the ingest ends its worker, and with nothing left to do the process ends.
  process.once('disconnect', () => void ingest.close());
}

createBatchIngest({ xsdPath: XSD_PATH, xmlWorker: true, ...settings }).then(
  (ingest) => {
    serve(ingest);
    send({ id: STARTED, ok: true, result: { op: 'started' } });
  },
  (error: unknown) => {
    send({ id: STARTED, ok: false, error: errorOf(error) });
    process.disconnect();
  },
);
