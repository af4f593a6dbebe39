import type { TransferListItem, Worker } from 'node:worker_threads';

import { assertNever } from './assert-never';

/** A message carrying the id that pairs a request with its reply. */
export interface Numbered {
  readonly id: number;
}

/** `T` without its `id`, member by member of a union: the channel numbers each request itself. */
export type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Why a call got no reply. Each client puts it in its own words ({@link WorkerChannelOptions.failure}). */
export type ChannelFailure =
  /** The worker ended unexpectedly before answering. */
  | { readonly kind: 'crashed'; readonly exitCode: number }
  /** The call came after a crash, on a channel that does not start another worker (`afterCrash: 'stay-down'`). */
  | { readonly kind: 'down'; readonly exitCode: number }
  /** `close()` ended the worker before it answered. */
  | { readonly kind: 'terminated' }
  /** The call came after `close()`. */
  | { readonly kind: 'closed' };

/** Settings of a {@link WorkerChannel}; `Hello` is the worker's first message when it has a handshake. */
export interface WorkerChannelOptions<Hello> {
  /** Starts a worker: on the first call (or `start()`), and after each crash with `afterCrash: 'restart'`. */
  readonly spawn: () => Worker;
  /**
   * What follows a crash: `restart` starts a new worker for the next call (a worker that holds nothing between
   * calls); `stay-down` fails every later call (a worker whose state is gone with it).
   */
  readonly afterCrash: 'restart' | 'stay-down';
  /**
   * For a worker that says whether it can serve before anything else: called with its first message, returns
   * `undefined` when it is ready, or the error that `start()` and the calls waiting for it then reject with.
   */
  readonly handshake?: (hello: Hello) => Error | undefined;
  /** The error a call rejects with when it gets no reply. */
  readonly failure: (failure: ChannelFailure) => Error;
  /** Told when a worker ends unexpectedly (after its unanswered calls have failed). */
  readonly onCrash?: (exitCode: number) => void;
}

/** Where the channel is in its life; a worker is there only while `starting` or `running`. */
type Lifecycle =
  /** No worker yet: the first call starts one. */
  | { readonly kind: 'idle' }
  /** Waiting for the worker's handshake; calls wait for it too. */
  | { readonly kind: 'starting'; readonly worker: Worker; readonly ready: Promise<void> }
  | { readonly kind: 'running'; readonly worker: Worker }
  /** The last worker ended unexpectedly: the next call starts another, or fails (see `afterCrash`). */
  | { readonly kind: 'crashed'; readonly exitCode: number }
  /** For good: every call fails. */
  | { readonly kind: 'closed' };

type Live = Extract<Lifecycle, { readonly worker: Worker }>;

interface Pending<Reply> {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Request and reply over a worker thread, for the clients of the gateway's workers: each request gets a fresh id,
 * the reply carrying that id settles it, and a worker that ends first (crash, `close()`) fails every call it left
 * unanswered. The worker keeps the process alive only while it has calls to answer (or a handshake to give): idle,
 * it must not stop the process from exiting. Messages the worker sends after its handshake are replies; replies to
 * no pending call (a call already failed) are dropped.
 *
 * @typeParam Request what the worker is asked, each with the `id` its reply carries
 * @typeParam Reply what it answers
 * @typeParam Notice what it is told without an answer
 * @typeParam Hello its first message, when it has a handshake
 */
export class WorkerChannel<Request extends Numbered, Reply extends Numbered, Notice = never, Hello = never> {
  private state: Lifecycle = { kind: 'idle' };
  private readonly pending = new Map<number, Pending<Reply>>();
  // One sequence for the channel's whole life, across workers: an id never names two calls.
  private nextId = 0;
  // Whether the current worker holds the process open (a new worker does).
  private referenced = false;

  constructor(private readonly options: WorkerChannelOptions<Hello>) {}

  /** Where the channel is: `idle`, `starting`, `running`, `crashed` or `closed`. */
  get lifecycle(): Lifecycle['kind'] {
    return this.state.kind;
  }

  /** Calls sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Starts a worker unless one is there, and resolves once it is ready; rejects with why it cannot serve. */
  async start(): Promise<void> {
    const state = this.live();
    if (state.kind === 'starting') await state.ready;
  }

  /**
   * Sends `request` with a fresh id (once the worker is ready) and resolves with the reply that carries it.
   * @param transfer memory moved to the worker with the request (see `postMessage`)
   */
  async call(request: Unnumbered<Request>, transfer: readonly TransferListItem[] = []): Promise<Reply> {
    let state = this.live();
    if (state.kind === 'starting') {
      await state.ready;
      state = this.stillThere(state.worker);
    }
    const { worker } = state;
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.keepAlive();
      try {
        worker.postMessage({ ...request, id }, transfer);
      } catch (error) {
        // Not sent (a value that cannot be cloned): nothing will answer it.
        this.pending.delete(id);
        this.keepAlive();
        throw error;
      }
    });
  }

  /** Tells the worker `notice`, which it does not answer; without a worker there is no one to tell. */
  notify(notice: Notice): void {
    const { state } = this;
    if (state.kind === 'starting' || state.kind === 'running') state.worker.postMessage(notice);
  }

  /** Ends the worker: unanswered calls fail (`terminated`), later ones too (`closed`). */
  async close(): Promise<void> {
    const { state } = this;
    this.state = { kind: 'closed' };
    if (state.kind === 'starting' || state.kind === 'running') await state.worker.terminate();
    this.failPending({ kind: 'terminated' });
  }

  /** The worker to send to, started if need be; throws when the channel has none and will not start one. */
  private live(): Live {
    const { state } = this;
    switch (state.kind) {
      case 'idle':
        return this.spawn();
      case 'starting':
      case 'running':
        return state;
      case 'crashed':
        if (this.options.afterCrash === 'restart') return this.spawn();
        throw this.options.failure({ kind: 'down', exitCode: state.exitCode });
      case 'closed':
        throw this.options.failure({ kind: 'closed' });
      default:
        return assertNever(state);
    }
  }

  /**
   * After waiting for `worker` to be ready, which leaves it `running` unless the channel was closed meanwhile (a
   * crash cannot come between: the worker's 'exit' is a later event than the handshake that made it ready).
   */
  private stillThere(worker: Worker): Live {
    const { state } = this;
    if (state.kind === 'running' && state.worker === worker) return state;
    throw this.options.failure(
      state.kind === 'crashed' ? { kind: 'crashed', exitCode: state.exitCode } : { kind: 'terminated' },
    );
  }

  private spawn(): Live {
    const { handshake } = this.options;
    const worker = this.options.spawn();
    this.referenced = true;
    // An uncaught error ends the worker: 'exit' follows, and does the cleaning up.
    worker.on('error', () => undefined);
    let settleReady: (error: Error | undefined) => void = () => undefined;
    let greeted = handshake === undefined;
    worker.on('message', (message: Reply | Hello) => {
      if (greeted) return this.answer(message as Reply);
      greeted = true;
      const error = handshake?.(message as Hello);
      if (error === undefined && this.state.kind === 'starting' && this.state.worker === worker) {
        this.state = { kind: 'running', worker };
        this.keepAlive();
      }
      settleReady(error);
    });
    worker.once('exit', (exitCode) => {
      settleReady(
        this.options.failure(this.state.kind === 'closed' ? { kind: 'terminated' } : { kind: 'crashed', exitCode }),
      );
      this.exited(worker, exitCode);
    });
    if (handshake === undefined) {
      this.state = { kind: 'running', worker };
    } else {
      const ready = new Promise<void>((resolve, reject) => {
        settleReady = (error) => (error === undefined ? resolve() : reject(error));
      });
      // Whoever awaits `ready` sees the failure; an unobserved one must not end the process.
      ready.catch(() => undefined);
      this.state = { kind: 'starting', worker, ready };
    }
    this.keepAlive();
    return this.state;
  }

  private answer(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    this.keepAlive();
    pending.resolve(reply);
  }

  private exited(worker: Worker, exitCode: number): void {
    const { state } = this;
    // After `close()`, or the end of a worker already replaced: nothing is left to clean up.
    if ((state.kind !== 'starting' && state.kind !== 'running') || state.worker !== worker) return;
    this.state = { kind: 'crashed', exitCode };
    this.failPending({ kind: 'crashed', exitCode });
    this.options.onCrash?.(exitCode);
  }

  private failPending(failure: ChannelFailure): void {
    const unanswered = [...this.pending.values()];
    this.pending.clear();
    for (const pending of unanswered) pending.reject(this.options.failure(failure));
  }

  /** The worker holds the process open only while it has something to answer. */
  private keepAlive(): void {
    const { state } = this;
    if (state.kind !== 'starting' && state.kind !== 'running') return;
    const wanted = state.kind === 'starting' || this.pending.size > 0;
    // Only on a change: a busy channel answers many calls without touching the worker's handle.
    if (wanted === this.referenced) return;
    this.referenced = wanted;
    if (wanted) state.worker.ref();
    else state.worker.unref();
  }
}
