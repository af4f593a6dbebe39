import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { OrtBackendOptions } from './ort-backend';
import { OrtWorkerBackend } from './ort-worker-backend';

/** What an {@link OrtProcessBackend} tells its owner. */
export interface OrtProcessHooks {
  /** Told once `close()` has ended the process. */
  readonly onClosed?: () => void;
  /** Told when the process ends on its own (every session it held is then gone). */
  readonly onCrash?: (exitCode: number) => void;
}

/**
 * ONNX Runtime sessions in a child process of their own: `close()` kills the process (SIGKILL), which ends a run that
 * would never return, where a worker thread's `terminate()` waits for it. The protocol and the sessions are the
 * worker backend's, over IPC (inputs are copied: shared memory does not cross processes).
 */
export class OrtProcessBackend extends OrtWorkerBackend {
  override readonly name = 'onnxruntime-node (child process)';
  private readonly children: ChildProcess[];
  private readonly onClosed: () => void;

  constructor(options: OrtBackendOptions, hooks: OrtProcessHooks = {}) {
    const children: ChildProcess[] = [];
    super(options, hooks.onCrash, () => {
      const child = forkSessionProcess(options);
      children.push(child);
      return new ChildAsWorker(child) as unknown as Worker;
    });
    this.children = children;
    this.onClosed = hooks.onClosed ?? (() => undefined);
  }

  /** The process's resident memory (from `/proc`; 0 where that cannot be read, or before it starts), in bytes. */
  residentBytes(): number {
    let total = 0;
    for (const { pid, exitCode, signalCode } of this.children) {
      if (pid === undefined || exitCode !== null || signalCode !== null) continue;
      try {
        const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        total += Number(kib ?? 0) * 1024;
      } catch {
        // Ended meanwhile, or no /proc here.
      }
    }
    return total;
  }

  /** Kills the process now, without waiting for it (for a process that must end this instant). */
  kill(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      this.onClosed();
    }
  }
}

/**
 * Starts {@link OrtProcessBackend}s and keeps those not closed yet, so that a gateway that must end now (its stop
 * past the deadline) kills them rather than leaving a process that loops on without its parent (a process stuck in
 * a run never sees its parent go).
 */
export class OrtProcessBackends {
  private readonly live = new Set<OrtProcessBackend>();

  constructor(private readonly options: OrtBackendOptions) {}

  /** @param onCrash told when the process ends on its own. */
  start(onCrash?: (exitCode: number) => void): OrtProcessBackend {
    const backend: OrtProcessBackend = new OrtProcessBackend(this.options, {
      onClosed: () => this.live.delete(backend),
      ...(onCrash && { onCrash }),
    });
    this.live.add(backend);
    return backend;
  }

  /** Kills every process not closed yet. */
  killAll(): void {
    for (const backend of this.live) backend.kill();
  }
}

/** Starts the session process; {@link ChildAsWorker} gives it the face of a worker thread for `WorkerChannel`. */
function forkSessionProcess(options: OrtBackendOptions): ChildProcess {
  const extension = path.extname(__filename);
  return fork(path.join(__dirname, `ort-session.process${extension}`), [JSON.stringify(options)], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: extension === '.ts' ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
}

/** A child process, as far as `WorkerChannel` looks at a worker thread. */
class ChildAsWorker extends EventEmitter {
  private readonly ended: Promise<number>;

  constructor(private readonly child: ChildProcess) {
    super();
    this.ended = new Promise((resolve) => {
      child.once('exit', (code) => {
        const exitCode = code ?? 1;
        this.emit('exit', exitCode);
        resolve(exitCode);
      });
    });
    child.on('message', (message) => this.emit('message', message));
    child.on('error', (error) => this.emit('error', error));
  }

  postMessage(message: unknown): void {
    // Shared memory cannot cross a process boundary: send a copy.
    const data = (message as { data?: unknown }).data;
    const copied =
      data instanceof Float64Array && data.buffer instanceof SharedArrayBuffer
        ? { ...(message as object), data: Float64Array.from(data) }
        : message;
    this.child.send(copied as object);
  }

  async terminate(): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.ended;
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
  }
}
