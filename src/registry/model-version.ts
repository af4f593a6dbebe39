import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import { scrubPaths } from '../errors/scrub-paths';
import { assertNever } from '../lib/assert-never';
import type { InferenceBackend, InferenceSession, TensorSpec } from '../inference/backend';
import type { RunPlan } from '../inference/batch-runner';
import type { Manifest } from './manifest';
import { InFlight } from './in-flight';
import { LoadFailure, openVerified, warmUp, type LoadStage } from './version-loader';
import { loadPreprocessor, type Preprocessor, type PreprocessingLimits } from './preprocessing';

/** The limits a version's preprocessing gets without configuration (tests, a validation that decodes nothing). */
export const DEFAULT_PREPROCESSING_LIMITS: PreprocessingLimits = Object.freeze({ maxImagePixels: 100_000_000 });
import type { Provenance } from './version-catalogue';
import { elementCount } from '../tensor/tensor';

/** Where a model version is in its life; the `status` strings are also the GraphQL enum values. */
export type VersionState =
  | { readonly status: 'UNLOADED' }
  | { readonly status: 'LOADING'; readonly since: Date }
  | {
      readonly status: 'READY';
      readonly session: InferenceSession;
      readonly loadedAt: Date;
      readonly residentBytes: number;
    }
  | {
      readonly status: 'DRAINING';
      readonly session: InferenceSession;
      readonly since: Date;
      readonly residentBytes: number;
    }
  | { readonly status: 'FAILED'; readonly reason: string; readonly stage: FailureStage; readonly at: Date };

export type { LoadStage } from './version-loader';

/** Where a version failed: a stage of its load, or `SERVING` (its session was lost while it served). */
export type FailureStage = LoadStage | 'SERVING';

/** Reads the process's resident memory, to attribute a session's memory to its version. */
export type MemoryProbe = () => number;

/** A hold on a READY version's session: the version is not unloaded until every lease is released. */
export interface VersionLease {
  readonly session: InferenceSession;
  release(): void;
}

export type VersionStatus = VersionState['status'];

/** One version of one model: its manifest, its files, and its session once loaded. */
export class ModelVersion {
  private current: VersionState = { status: 'UNLOADED' };
  /** Leases: requests whose upload has arrived, until their last run. An unload waits for them. */
  private readonly inFlight = new InFlight();
  /** Requests admitted whose upload is still arriving: counted as in flight, but an unload does not wait for them. */
  private readonly arriving = new InFlight();
  /** Set while a load or an unload runs, so that a second request waits for it instead of racing it. */
  private transition: Promise<void> | undefined;
  /** Non-batch input dimensions and batch size used for every run of this version. */
  readonly plan: RunPlan;
  /** Values per sample (product of {@link RunPlan.sampleDims}). */
  readonly sampleLength: number;

  /** When a request last leased this version (monotonic ms): what least-recently-used eviction orders by. */
  private lastUsed = 0;
  /** When a lease on this version was last released (monotonic ms). */
  private lastReleased = 0;
  /** The memory the last load measured, kept after an unload to predict the next one. */
  private measured: number | null = null;
  /** Its preprocessing, read once (a failed read is tried again next time). */
  private prepared: Promise<Preprocessor> | undefined;

  constructor(
    readonly manifest: Manifest,
    readonly dir: string,
    batchMaxSize: number,
    /** Who registered the version and when (from the registry's catalogue). */
    readonly provenance: Provenance = { registeredAt: new Date(), registeredBy: 'system' },
    private readonly limits: PreprocessingLimits = DEFAULT_PREPROCESSING_LIMITS,
  ) {
    const input = manifest.inputs[0] as TensorSpec;
    const sampleDims = input.shape.slice(1).map((d, i) => {
      // manifestProblems refuses such a manifest: this guards a manifest that skipped validation.
      if (typeof d !== 'number') {
        const problem = `inputs.0.shape.${i + 1}: "${d}" is dynamic, but only the batch axis (the first) may be dynamic`;
        throw new GatewayError(ErrorCode.MANIFEST_INVALID, `The manifest is not valid: ${problem}.`, {
          problems: [problem],
        });
      }
      return d;
    });
    this.plan = Object.freeze({ sampleDims, maxBatchSize: Math.min(batchMaxSize, manifest.maxBatchSize ?? Infinity) });
    this.sampleLength = elementCount(sampleDims);
  }

  get name(): string {
    return this.manifest.name;
  }

  get version(): number {
    return this.manifest.version;
  }

  get state(): VersionState {
    return this.current;
  }

  /** When a request last leased this version (monotonic ms, comparable only with other versions; 0 if never). */
  get lastUsedAt(): number {
    return this.lastUsed;
  }

  /**
   * Memory attributed to the session while loaded: the largest resident growth over open and warm-up this version
   * has caused, at least its file size.
   */
  get residentBytes(): number | null {
    const state = this.current;
    return state.status === 'READY' || state.status === 'DRAINING' ? state.residentBytes : null;
  }

  /** When a request last let go of this version (monotonic ms; 0 if never). */
  get lastReleasedAt(): number {
    return this.lastReleased;
  }

  /** The memory the most recent load measured, whether or not the version is still loaded. */
  get measuredBytes(): number | null {
    return this.measured;
  }

  /**
   * Requests on this version right now: those holding a lease and those admitted whose upload is still arriving (so
   * that the batcher waits for them, and the memory budget does not evict a version they are about to use).
   */
  get activeRequests(): number {
    return this.inFlight.size + this.arriving.size;
  }

  /**
   * Counts a request whose upload is still arriving, until the returned function is called (once its lease is held,
   * or it failed). It holds nothing: an unload does not wait for it, and its lease is refused if it comes too late.
   */
  admitArrival(): () => void {
    return this.arriving.acquire();
  }

  /**
   * What turns a request into this version's batch (a text model's vocabulary, read from its folder once).
   * @throws Error naming what cannot be read
   */
  preprocessor(): Promise<Preprocessor> {
    this.prepared ??= loadPreprocessor(this.manifest, this.dir, this.limits).catch((error: unknown) => {
      this.prepared = undefined;
      throw error;
    });
    return this.prepared;
  }

  /**
   * Refuses a request at once unless the version is `READY`.
   * @throws GatewayError `MODEL_NOT_READY` naming the state the version is in.
   */
  assertReady(): void {
    const state = this.current;
    if (state.status !== 'READY') throw this.notReady(state);
  }

  /**
   * Verifies the file against the manifest (size, sha256), opens it, checks the runtime's view of its signature, and
   * warms it up with one full batch of zeros (so the first request does not pay for allocation, and the memory it
   * needs is measured). Never throws: a failure leaves the version `FAILED` with an operator-facing reason.
   *
   * @param onLost told if the session is lost later while the version serves (its runner crashed or stopped
   *   answering): the version is then `FAILED` at stage `SERVING`, until loaded again.
   */
  async load(
    backend: InferenceBackend,
    probe: MemoryProbe = () => 0,
    onLost: (reason: string) => void = () => undefined,
  ): Promise<VersionState> {
    while (this.transition !== undefined) await this.transition;
    if (this.current.status === 'READY') return this.current;
    const loading = this.open(backend, probe, onLost);
    this.transition = loading;
    try {
      await loading;
    } finally {
      this.transition = undefined;
    }
    return this.current;
  }

  private async open(backend: InferenceBackend, probe: MemoryProbe, onLost: (reason: string) => void): Promise<void> {
    this.current = { status: 'LOADING', since: new Date() };
    try {
      const before = probe();
      await this.preprocessor().catch((error: unknown) => {
        throw new LoadFailure('FILE', error instanceof Error ? error.message : String(error));
      });
      const session = await openVerified(this.manifest, this.dir, backend);
      await warmUp(session, this.plan, this.sampleLength, this.manifest.labels.length);
      // Memory freed by another session is reused without growing the process, so a reload can read low: keep the
      // largest growth this version was ever seen to cause.
      const residentBytes = Math.max(probe() - before, this.manifest.sizeBytes, this.measured ?? 0);
      this.measured = residentBytes;
      this.current = { status: 'READY', session, loadedAt: new Date(), residentBytes };
      void session.lost?.then((reason) => {
        // Only the session this version still serves with: a drain under way ends it anyway.
        const state = this.current;
        if (state.status !== 'READY' || state.session !== session) return;
        this.current = { status: 'FAILED', reason: scrubPaths(reason), stage: 'SERVING', at: new Date() };
        onLost(this.current.reason);
      });
    } catch (error) {
      // The reason is shown to clients: keep the runtime's words, not the server's folder layout.
      const message = error instanceof Error ? error.message : String(error);
      const stage = error instanceof LoadFailure ? error.stage : 'RUNTIME';
      this.current = {
        status: 'FAILED',
        reason: scrubPaths(message.split(this.dir).join(`<${this.name}@${this.version}>`)),
        stage,
        at: new Date(),
      };
    }
  }

  /**
   * Stops admitting requests (`DRAINING`), waits until every lease is released (requests already admitted finish),
   * then frees the session (`UNLOADED`). Concurrent calls share one drain; a FAILED version becomes UNLOADED.
   */
  async unload(): Promise<void> {
    while (this.transition !== undefined) await this.transition;
    const state = this.current;
    if (state.status !== 'READY') {
      if (state.status === 'FAILED') this.current = { status: 'UNLOADED' };
      return;
    }
    this.current = {
      status: 'DRAINING',
      session: state.session,
      since: new Date(),
      residentBytes: state.residentBytes,
    };
    const draining = this.inFlight.idle().then(async () => {
      await state.session.release();
      this.current = { status: 'UNLOADED' };
    });
    this.transition = draining;
    try {
      await draining;
    } finally {
      this.transition = undefined;
    }
  }

  /**
   * A lease on the session, for one request from admission to its last run.
   * @throws GatewayError `MODEL_NOT_READY` naming the state the version is in.
   */
  acquire(): VersionLease {
    const state = this.current;
    if (state.status !== 'READY') throw this.notReady(state);
    this.lastUsed = performance.now();
    const release = this.inFlight.acquire();
    return {
      session: state.session,
      release: () => {
        release();
        this.lastReleased = performance.now();
      },
    };
  }

  private notReady(state: Exclude<VersionState, { status: 'READY' }>): GatewayError {
    switch (state.status) {
      case 'UNLOADED':
      case 'LOADING':
      case 'DRAINING':
      case 'FAILED':
        return new GatewayError(
          ErrorCode.MODEL_NOT_READY,
          `Model ${this.name} version ${this.version} is not ready (${state.status}).`,
          { model: this.name, version: this.version, state: state.status },
        );
      default:
        return assertNever(state);
    }
  }
}
