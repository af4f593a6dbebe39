/**
 * The inference child process of {@link OrtProcessBackend}: the same requests as the inference worker thread
 * (`ort-session.worker.ts`, both served by `ort-session-host.ts`), over the process's IPC channel. It exists to be
 * killed: a thread inside ONNX Runtime's `run` cannot be stopped (a worker thread's `terminate()` waits for the run
 * to return), a process can.
 */
import type { OrtBackendOptions } from './ort-backend';
import { ortSessionHost } from './ort-session-host';
import type { OrtWorkerRequest } from './ort-worker-protocol';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('ort-session.process must be started with an IPC channel');

const host = ortSessionHost(JSON.parse(process.argv[2] ?? '{}') as OrtBackendOptions, (reply) => send(reply));
process.on('message', (request: OrtWorkerRequest) => host(request));
// The gateway gone, nothing is left to answer.
process.on('disconnect', () => process.exit(0));
