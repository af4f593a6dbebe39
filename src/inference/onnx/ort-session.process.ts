/**
 * The inference child process of {@link OrtProcessBackend}: the same requests as the inference worker thread
 * (`ort-session.worker.ts`, both served by `ort-session-host.ts`), over the process's IPC channel. It exists to be
 * killed: a thread inside ONNX Runtime's `run` cannot be stopped (a worker thread's `terminate()` waits for the run
 * to return), a process can.
 *
 * Its sessions run on a worker thread of its own, not on its main thread: a run there would hold the IPC channel
 * too, and the next batch (larger than a pipe's buffer) would only start to arrive once the run ended, leaving ONNX
 * Runtime idle meanwhile.
 */
import type { OrtBackendOptions } from './ort-backend';
import { ortSessionHost } from './ort-session-host';
import { OrtWorkerBackend } from './ort-worker-backend';
import type { OrtWorkerRequest } from './ort-worker-protocol';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('ort-session.process must be started with an IPC channel');

const options = JSON.parse(process.argv[2] ?? '{}') as OrtBackendOptions;
// Its worker gone, the process has nothing left to serve: it ends, and its owner sees the exit.
const backend = new OrtWorkerBackend(options, (exitCode) => process.exit(exitCode === 0 ? 1 : exitCode));
const host = ortSessionHost(backend, (reply) => send(reply));
process.on('message', (request: OrtWorkerRequest) => host(request));
// The gateway gone, nothing is left to answer: end at once (`process.exit` would wait for a run to return).
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
