import { Mutex } from 'async-mutex';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceBackend } from '../inference/backend';
import { planRoom, type MemoryBudget } from './memory-budget';
import type { MemoryProbe, ModelVersion, VersionLease } from './model-version';

/** Records one lifecycle change (the registry's audit trail). */
export type AuditFn = (
  event: string,
  actor: string,
  target: ModelVersion,
  result: string,
  detail: string | null,
) => void;

/** What a {@link Residency} works with. */
export interface ResidencyOptions {
  readonly backend: InferenceBackend;
  readonly budget: MemoryBudget;
  readonly memoryProbe: MemoryProbe;
  readonly audit: AuditFn;
  /** Every version the registry knows, loaded or not. */
  readonly versions: () => readonly ModelVersion[];
}

/**
 * Which versions hold a session, within the memory budget. Loads run one at a time, so each session's memory can be
 * measured and the budget kept; when the budget is full the least recently used idle version is unloaded, and loaded
 * again when a request needs it. A version an operator unloaded stays unloaded.
 */
export class Residency {
  /** Versions unloaded by the budget (or never loaded for lack of room): loaded again on demand. */
  private readonly onDemand = new Set<ModelVersion>();
  private readonly loads = new Mutex();

  constructor(private readonly options: ResidencyOptions) {}

  /** Loads versions in the given order while they fit without unloading others; the rest wait for a request. */
  async loadAtBoot(ordered: readonly ModelVersion[]): Promise<void> {
    for (const version of ordered) {
      await this.loads.runExclusive(async () => {
        const plan = planRoom(this.options.budget, this.resident(), version, this.expectedBytes(version));
        if (!plan.fits || plan.evict.length > 0) {
          this.onDemand.add(version);
          return;
        }
        const state = await version.load(this.options.backend, this.options.memoryProbe, this.lost(version));
        this.options.audit(
          'model.load',
          'system',
          version,
          state.status,
          state.status === 'FAILED' ? state.reason : null,
        );
        // A first load can only be measured once done: if it turned out too big, it waits for a request instead.
        if (this.overBudget()) await this.evict(version);
      });
    }
  }

  /**
   * Admits a request whose upload is still arriving: refused at once (`MODEL_NOT_READY`) unless the version is
   * `READY` or one the budget unloaded (loaded again when the lease is taken). Returns the function ending it.
   */
  admit(version: ModelVersion): () => void {
    if (!this.onDemand.has(version)) version.assertReady();
    return version.admitArrival();
  }

  /**
   * A lease on a version for one request; a version the budget unloaded is loaded again first.
   * @throws GatewayError `MODEL_NOT_READY`, or `MEMORY_BUDGET_EXCEEDED` when it cannot be brought back.
   */
  async lease(version: ModelVersion): Promise<VersionLease> {
    if (version.state.status !== 'READY' && this.onDemand.has(version)) await this.load(version, 'system');
    return version.acquire();
  }

  /**
   * Loads a version, unloading least recently used idle versions first if the budget requires; a no-op if loaded.
   * @throws GatewayError `MEMORY_BUDGET_EXCEEDED` when the versions in use leave no room (nothing is unloaded then).
   */
  async load(target: ModelVersion, actor: string): Promise<void> {
    await this.loads.runExclusive(async () => {
      if (target.state.status === 'READY') return;
      const plan = planRoom(this.options.budget, this.resident(), target, this.expectedBytes(target));
      if (!plan.fits) {
        this.options.audit('model.load', actor, target, 'REFUSED', `memory budget: ${plan.reason}`);
        throw new GatewayError(
          ErrorCode.MEMORY_BUDGET_EXCEEDED,
          `Version ${target.version} of "${target.name}" does not fit in the memory budget: ${plan.reason}.`,
          {
            model: target.name,
            version: target.version,
          },
        );
      }
      for (const victim of plan.evict) await this.evict(victim);
      this.onDemand.delete(target);
      const state = await target.load(this.options.backend, this.options.memoryProbe, this.lost(target));
      this.options.audit(
        'model.load',
        actor,
        target,
        state.status,
        state.status === 'FAILED' ? state.reason : `${target.residentBytes ?? 0} bytes resident`,
      );
      // The first load of a version is planned with its file size; once measured, make the room it really takes.
      const after = planRoom(this.options.budget, this.resident(), target, target.residentBytes ?? 0);
      for (const victim of after.fits ? after.evict : []) await this.evict(victim);
    });
  }

  /** Unloads a version on an operator's request; it stays unloaded until loaded again explicitly. */
  async unload(target: ModelVersion, actor: string): Promise<void> {
    this.onDemand.delete(target);
    await this.drain(target, actor, 'model.unload');
  }

  /** Audits the loss of a version's session while it serves (it is then `FAILED` until loaded again). */
  private lost(version: ModelVersion): (reason: string) => void {
    return (reason) => this.options.audit('model.session.lost', 'system', version, 'FAILED', reason);
  }

  private async evict(victim: ModelVersion): Promise<void> {
    this.onDemand.add(victim);
    await this.drain(victim, 'system', 'model.evict');
  }

  private async drain(target: ModelVersion, actor: string, event: string): Promise<void> {
    const unloading = target.unload(); // turns DRAINING synchronously unless another transition runs
    this.options.audit(
      `${event}.started`,
      actor,
      target,
      target.state.status,
      `${target.activeRequests} requests in flight`,
    );
    await unloading;
    this.options.audit(event, actor, target, target.state.status, null);
  }

  /** Whether the loaded versions' measured memory exceeds the byte budget. */
  private overBudget(): boolean {
    const { maxResidentBytes } = this.options.budget;
    return (
      maxResidentBytes !== 0 && this.resident().reduce((sum, v) => sum + (v.residentBytes ?? 0), 0) > maxResidentBytes
    );
  }

  /** What a version is expected to need: its largest measurement, else its file size. */
  private expectedBytes(version: ModelVersion): number {
    return version.measuredBytes ?? version.manifest.sizeBytes;
  }

  private resident(): ModelVersion[] {
    return this.options.versions().filter((v) => v.residentBytes !== null);
  }
}
