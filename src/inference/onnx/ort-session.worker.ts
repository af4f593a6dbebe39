/**
 * The inference worker thread: it owns every ONNX Runtime session of the process and runs them, so that a run
 * (onnxruntime-node's `run` is synchronous on its calling thread) never blocks the event loop that receives uploads,
 * decodes them and answers other requests. Requests are handled one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';

import type { InferenceSession } from '../backend';
import { OrtBackend } from './ort-backend';
import type { OrtWorkerData, OrtWorkerReply, OrtWorkerRequest, OrtWorkerResult } from './ort-worker-protocol';

const port = parentPort;
if (port === null) throw new Error('ort-session.worker must run as a worker thread');

const backend = new OrtBackend(workerData as OrtWorkerData);
const sessions = new Map<number, InferenceSession>();
let nextSession = 0;

function sessionOf(id: number): InferenceSession {
  const session = sessions.get(id);
  if (session === undefined) throw new Error(`no session ${id}`);
  return session;
}

async function handle(request: OrtWorkerRequest): Promise<OrtWorkerResult> {
  switch (request.op) {
    case 'open': {
      const session = await backend.open(request.modelPath);
      const id = nextSession++;
      sessions.set(id, session);
      return { op: 'open', session: id, inputs: session.inputs, outputs: session.outputs };
    }
    case 'run': {
      const output = await sessionOf(request.session).run({ data: request.data, dims: request.dims });
      return { op: 'run', data: output.data, dims: output.dims };
    }
    case 'release': {
      await sessionOf(request.session).release();
      sessions.delete(request.session);
      return { op: 'release' };
    }
  }
}

let queue = Promise.resolve();
port.on('message', (request: OrtWorkerRequest) => {
  queue = queue.then(async () => {
    let reply: OrtWorkerReply;
    try {
      reply = { id: request.id, ok: true, result: await handle(request) };
    } catch (error) {
      reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    // Outputs are small ([n, 2] here): copying them is cheaper than reasoning about who owns ORT's buffer.
    port.postMessage(reply);
  });
});
