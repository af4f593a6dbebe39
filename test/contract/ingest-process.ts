/**
 * The jest side of `ingest-host.ts`: an XML ingest of the worker path, a `BatchIngest` whose calls are answered by
 * the real one in a host process of its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import type { BatchIngest } from '../../src/codec/batch-ingest';
import type { PendingSamples, SignalBatch } from '../../src/codec/signal-batch';
import { GatewayError } from '../../src/errors/gateway-error';
import { STARTED, type HostError, type HostReply, type HostRequest, type HostResult } from './ingest-protocol';
import type { IngestSettings } from './xml-ingest.contract';

const HOST = path.join(__dirname, 'ingest-host.ts');
const REPO = path.resolve(__dirname, '..', '..');

type Ask = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The ingest of a host process; `close` ends the process. */
export interface ProcessIngest extends BatchIngest {
  /** The files of libxmljs2 the host's main thread has loaded (none: its XML worker thread loads it). */
  mainThreadModules(): Promise<string[]>;
}

const errorOf = (error: HostError): Error =>
  error.gateway ? new GatewayError(error.code, error.message, error.details) : new Error(error.message);

/** Starts a host process (ts-node, from source) and resolves once its ingest has started, or rejects as it did. */
export async function startIngestProcess(settings: IngestSettings): Promise<ProcessIngest> {
  const child: ChildProcess = fork(HOST, [JSON.stringify(settings)], {
    cwd: REPO,
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (result: HostResult) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (reply: HostReply) => {
      if (reply.id === STARTED) return reply.ok ? resolve() : reject(errorOf(reply.error));
      const caller = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.ok) caller?.resolve(reply.result);
      else caller?.reject(errorOf(reply.error));
    });
    void exited.then(() => {
      const gone = new Error('the ingest host process exited');
      reject(gone);
      for (const caller of waiting.values()) caller.reject(gone);
      waiting.clear();
    });
  });
  await started;

  const ask = <Op extends HostResult['op']>(request: Ask, op: Op): Promise<Extract<HostResult, { op: Op }>> =>
    new Promise<HostResult>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ ...request, id });
    }).then((result) => {
      if (result.op !== op) throw new Error(`the ingest host answered ${result.op} to ${op}`);
      return result as Extract<HostResult, { op: Op }>;
    });

  const remoteBatch = (decoded: Extract<HostResult, { op: 'decode' }>): SignalBatch => {
    const { format, count, sampleLength, values, handle } = decoded;
    const ids = [...decoded.ids];
    const batch: SignalBatch = { format, ids, count, sampleLength, values };
    if (handle === undefined) return batch;
    let ready = decoded.ready;
    const pending: PendingSamples = {
      get ready() {
        return ready;
      },
      next: async () => {
        const part = await ask({ op: 'next', handle }, 'next');
        values.set(part.values, ready * sampleLength);
        ids.push(...part.ids);
        ready = part.ready;
        return ready;
      },
      abandon: () => {
        child.send({ op: 'abandon', handle } satisfies HostRequest);
      },
    };
    return { ...batch, pending };
  };

  return {
    decode: async (bytes, filename, expect) =>
      // A copy in ordinary memory: shared memory cannot cross to another process.
      remoteBatch(await ask({ op: 'decode', bytes: new Uint8Array(bytes), filename, expect }, 'decode')),
    close: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
    mainThreadModules: async () => (await ask({ op: 'loaded' }, 'loaded')).modules,
  };
}
