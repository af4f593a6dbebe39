import type { Float64Tensor, InferenceBackend, InferenceSession, TensorSpec } from './backend';

/**
 * The backend of one session, as {@link IsolatedBackend} starts them: a worker thread or a child process of its own.
 */
export interface Runner extends InferenceBackend {
  /**
   * Ends the runner at once, whatever it is doing (a child process is killed). Without it, a runner stuck inside a
   * run is only asked to end (`close`), which a worker thread does once the run returns, if ever.
   */
  kill?(): void;
  /** Memory the runner holds outside this process's own resident set (a child process's), in bytes. */
  residentBytes?(): number;
}

/** Settings of an {@link IsolatedBackend}. */
export interface IsolatedBackendOptions {
  readonly name: string;
  /** Starts the runner of one session; `onCrash` is told if it ends on its own (a crash, the OOM killer). */
  readonly start: (onCrash: (exitCode: number) => void) => Runner;
  /**
   * How long a busy session may go without an answer (a run ending) before it counts as stuck: its runner is then
   * ended, its runs fail, and the session is lost.
   */
  readonly runTimeoutMs: number;
  /** How long opening a model may take before its runner is ended and the open fails. */
  readonly openTimeoutMs: number;
}

/** What a lost session's runs reject with and its `lost` promise resolves with. */
export class SessionLostError extends Error {
  override readonly name = 'SessionLostError';
}

/**
 * Each session in a runner of its own, started by `open` and ended by `release`: one model's runs never queue behind
 * another's, and a run that never returns (a model that loops for hours) loses only its own session. A watchdog ends
 * the runner of a session that goes {@link IsolatedBackendOptions.runTimeoutMs} without answering; the session's
 * `lost` then resolves, so that its owner stops routing to it.
 */
export class IsolatedBackend implements InferenceBackend {
  readonly name: string;
  /** Each runner queues runs itself: a full batch may wait there, handed over, while another runs. */
  readonly maxRunsInFlight = 2;
  private readonly runners = new Set<Runner>();
  private readonly stuck = new Set<Runner>();
  private closed = false;

  constructor(private readonly options: IsolatedBackendOptions) {
    this.name = options.name;
  }

  /** Runners ended for being stuck that have not ended yet (a worker thread still inside its run). */
  get stuckRunners(): number {
    return this.stuck.size;
  }

  /** Memory the runners hold outside this process (child processes' resident sets), in bytes. */
  residentBytesOutside(): number {
    let total = 0;
    for (const runner of this.runners) total += runner.residentBytes?.() ?? 0;
    return total;
  }

  async open(modelPath: string): Promise<InferenceSession> {
    if (this.closed) throw new Error('the inference backend is closed');
    let session: IsolatedSession | undefined;
    const runner: Runner = this.options.start((exitCode) =>
      session?.lose(`its runner (${runner.name}) exited unexpectedly (${exitCode})`),
    );
    this.runners.add(runner);
    const { openTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new SessionLostError(`opening the model did not finish within ${openTimeoutMs} ms`)),
        openTimeoutMs,
      );
    });
    try {
      const inner = await Promise.race([runner.open(modelPath), timeUp]);
      session = new IsolatedSession(inner, this.options.runTimeoutMs, (reason) => this.end(runner, reason));
      return session;
    } catch (error) {
      // A runner whose open did not end is stuck in it; one that refused the file is simply done.
      void this.end(runner, error instanceof SessionLostError ? 'stuck' : 'released');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.runners].map((runner) => this.end(runner, 'released')));
  }

  /** Ends a runner; one ended for being stuck counts in {@link stuckRunners} until it has ended. */
  private end(runner: Runner, why: 'released' | 'stuck'): Promise<void> {
    this.runners.delete(runner);
    if (why === 'stuck') {
      this.stuck.add(runner);
      runner.kill?.();
    }
    return runner
      .close()
      .catch(() => undefined)
      .finally(() => this.stuck.delete(runner));
  }
}

/** Where an isolated session is in its life. */
type SessionState =
  | { readonly kind: 'open' }
  /** Its runner crashed or stopped answering: every run fails with the reason. */
  | { readonly kind: 'lost'; readonly reason: string }
  | { readonly kind: 'released' };

class IsolatedSession implements InferenceSession {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly lost: Promise<string>;
  private state: SessionState = { kind: 'open' };
  private markLost: (reason: string) => void = () => undefined;
  /** Rejects once the session is lost: every run races it. */
  private readonly failure: Promise<never>;
  private inFlight = 0;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: InferenceSession,
    private readonly runTimeoutMs: number,
    private readonly endRunner: (why: 'released' | 'stuck') => Promise<void>,
  ) {
    this.inputs = inner.inputs;
    this.outputs = inner.outputs;
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    this.failure = this.lost.then((reason) => Promise.reject(new SessionLostError(reason)));
    this.failure.catch(() => undefined);
  }

  async run(input: Float64Tensor): Promise<Float64Tensor> {
    const { state } = this;
    if (state.kind === 'lost') throw new SessionLostError(state.reason);
    if (state.kind === 'released') throw new Error('the inference session is released');
    if (this.inFlight++ === 0) this.arm();
    const running = this.inner.run(input);
    // A run the runner's end fails is answered by `failure` instead.
    running.catch(() => undefined);
    try {
      return await Promise.race([running, this.failure]);
    } finally {
      this.inFlight -= 1;
      if (this.state.kind === 'open') {
        // Each answer restarts the count: the watchdog measures how long a busy runner has gone without one.
        if (this.inFlight > 0) this.arm();
        else clearTimeout(this.watchdog);
      }
    }
  }

  async release(): Promise<void> {
    const { state } = this;
    this.state = { kind: 'released' };
    clearTimeout(this.watchdog);
    // A lost session's runner is already being ended.
    if (state.kind !== 'open') return;
    try {
      await this.inner.release();
    } finally {
      await this.endRunner('released');
    }
  }

  /** Loses the session (once): its runs fail with `reason`, and its runner is ended. */
  lose(reason: string): void {
    if (this.state.kind !== 'open') return;
    this.state = { kind: 'lost', reason };
    clearTimeout(this.watchdog);
    this.markLost(reason);
    void this.endRunner('stuck');
  }

  private arm(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(
      () => this.lose(`a run did not finish within ${this.runTimeoutMs} ms, so its runner was stopped`),
      this.runTimeoutMs,
    );
  }
}
