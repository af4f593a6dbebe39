import { assertNever } from '../../lib/assert-never';
import type { InferenceBackend, InferenceSession } from '../backend';
import type { OrtWorkerReply, OrtWorkerRequest, OrtWorkerResult } from './ort-worker-protocol';

/**
 * What the inference worker thread (`ort-session.worker.ts`) and the inference child process
 * (`ort-session.process.ts`) both are: the owner of a set of sessions of `backend`, answering the worker protocol's
 * requests. Each entry only says how messages arrive and leave, and which backend runs the sessions. Requests are
 * handled one at a time, in order, unless the backend queues runs itself (`maxRunsInFlight` above 1): they are then
 * handed to it as they come, so that the next batch is there when a run ends.
 *
 * @param reply sends one reply back; a failed request is a reply too (`ok: false`), never a rejection
 * @returns the handler to give every request to
 */
export function ortSessionHost(
  backend: InferenceBackend,
  reply: (message: OrtWorkerReply) => void,
): (request: OrtWorkerRequest) => void {
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
      default:
        return assertNever(request);
    }
  }

  async function answer(request: OrtWorkerRequest): Promise<void> {
    let message: OrtWorkerReply;
    try {
      message = { id: request.id, ok: true, result: await handle(request) };
    } catch (error) {
      message = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    reply(message);
  }

  if (backend.maxRunsInFlight > 1) return (request) => void answer(request);
  let queue = Promise.resolve();
  return (request) => {
    queue = queue.then(() => answer(request));
  };
}
