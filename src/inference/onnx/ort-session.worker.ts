/**
 * The inference worker thread: it owns every ONNX Runtime session of the process and runs them, so that a run
 * (onnxruntime-node's `run` is synchronous on its calling thread) never blocks the event loop that receives uploads,
 * decodes them and answers other requests. Requests are handled one at a time, in order (`ort-session-host.ts`).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { OrtBackend } from './ort-backend';
import { ortSessionHost } from './ort-session-host';
import type { OrtWorkerData, OrtWorkerRequest } from './ort-worker-protocol';

const port = parentPort;
if (port === null) throw new Error('ort-session.worker must run as a worker thread');

// Outputs are small ([n, 2] here): posting a copy is cheaper than reasoning about who owns ORT's buffer.
const host = ortSessionHost(new OrtBackend(workerData as OrtWorkerData), (reply) => port.postMessage(reply));
port.on('message', (request: OrtWorkerRequest) => host(request));
