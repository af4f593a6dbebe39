import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker entry `<name>.js` beside the calling module, or `<name>.ts` when the caller itself runs from
 * source (ts-node, jest): the worker then gets the TypeScript hook and nothing else of the parent's command line,
 * which may hold the ts-node binary itself or preloads meant for the main thread.
 *
 * @param callerFile the caller's `__filename`, which decides the folder and the extension
 */
export function startWorker(callerFile: string, name: string, options: WorkerOptions = {}): Worker {
  const extension = path.extname(callerFile);
  const script = path.join(path.dirname(callerFile), `${name}${extension}`);
  return new Worker(
    script,
    extension === '.ts' ? { ...options, execArgv: ['--require', 'ts-node/register/transpile-only'] } : options,
  );
}

/** A Float64Array in shared memory: posted to a worker thread, it is shared rather than copied or detached. */
export function sharedFloat64Array(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** Whether posting `array` to a worker thread shares its memory (no copy, nothing detached). */
export function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}
