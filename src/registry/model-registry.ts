import type { Logger } from 'pino';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceBackend } from '../inference/backend';
import { PRODUCTION_ALIAS, type AliasBook } from './alias-book';
import type { LifecycleJournal } from './lifecycle-journal';
import type { Manifest } from './manifest';
import type { MemoryBudget } from './memory-budget';
import { discoverVersions } from './model-discovery';
import { ModelVersion, type MemoryProbe, type VersionLease } from './model-version';
import { Residency } from './residency';
import type { PreprocessingLimits } from './preprocessing';
import type { IntendedState, VersionCatalogue } from './version-catalogue';

/** Dependencies and limits of a {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  readonly modelsDir: string;
  readonly backend: InferenceBackend;
  readonly batchMaxSize: number;
  readonly logger: Logger;
  /** The audit trail of lifecycle changes. */
  readonly journal: LifecycleJournal;
  /** Named versions; `production` is what a request without a version gets. */
  readonly aliases: AliasBook;
  /** Who registered each version, and when. */
  readonly catalogue: VersionCatalogue;
  readonly budget: MemoryBudget;
  /** Resident memory of the process, to attribute each session's memory to its version. */
  readonly memoryProbe: MemoryProbe;
  /** Bounds on what the versions' preprocessing decodes. */
  readonly preprocessing?: PreprocessingLimits;
}

/** A model and its versions, oldest first. */
export interface ModelEntry {
  readonly name: string;
  readonly versions: readonly ModelVersion[];
}

/**
 * The models the gateway serves: their versions, aliases and provenance, and (through {@link Residency}) which of
 * them hold a session within the memory budget.
 */
export class ModelRegistry {
  private readonly models = new Map<string, ModelVersion[]>();
  private readonly residency: Residency;

  constructor(private readonly options: ModelRegistryOptions) {
    const { backend, budget, memoryProbe } = options;
    this.residency = new Residency({
      backend,
      budget,
      memoryProbe,
      audit: (...entry) => this.audit(...entry),
      versions: () => this.all(),
    });
  }

  /** Scans the models folder; pins `production` to the newest version of a model that has no such alias yet. */
  async discover(): Promise<void> {
    for (const { manifest, dir } of await discoverVersions(this.options.modelsDir, this.options.logger)) {
      this.add(manifest, dir, 'system', null);
    }
    for (const name of this.models.keys()) this.ensureProduction(name, 'system');
  }

  /**
   * Points `production` at the newest version when a model has no production version yet (its first boot, or its
   * first registration), so that a version registered later never takes traffic until it is promoted.
   */
  ensureProduction(name: string, actor: string): void {
    const newest = this.models.get(name)?.at(-1);
    if (newest === undefined || this.options.aliases.current(name, PRODUCTION_ALIAS) !== undefined) return;
    this.options.aliases.push(name, PRODUCTION_ALIAS, newest.version, actor);
    this.audit(
      `model.promote.${PRODUCTION_ALIAS}`,
      actor,
      newest,
      'PROMOTED',
      'first version of the model: production until another is promoted',
    );
  }

  /**
   * Adds a version whose files are in place, recording it in the catalogue (as registered by `actor` unless already
   * known). It starts `UNLOADED`, and a registered version (`intended` `UNLOADED`, the default) stays so across
   * restarts until an operator loads it; a version found on disk at boot (`intended` `null`) is loaded by boot.
   */
  add(manifest: Manifest, dir: string, actor: string, intended: IntendedState | null = 'UNLOADED'): ModelVersion {
    const { sha256, sizeBytes } = manifest;
    const provenance = this.options.catalogue.record({
      model: manifest.name,
      version: manifest.version,
      sha256,
      sizeBytes,
      actor,
      ...(intended !== null && { intended }),
    });
    const version = new ModelVersion(manifest, dir, this.options.batchMaxSize, provenance, this.options.preprocessing);
    const versions = [...(this.models.get(manifest.name) ?? []), version].sort((a, b) => a.version - b.version);
    this.models.set(manifest.name, versions);
    return version;
  }

  /**
   * Loads at boot, production versions first, while the memory budget allows; the rest load on demand. A version an
   * operator unloaded, or registered and never loaded, is skipped: it stays `UNLOADED` until `loadModel`.
   */
  async loadAll(): Promise<void> {
    const wanted = this.all().filter((v) => this.options.catalogue.intendedState(v.name, v.version) !== 'UNLOADED');
    const production = new Set([...this.models.keys()].map((name) => this.resolve(name)));
    const ordered = [...wanted.filter((v) => production.has(v)), ...wanted.filter((v) => !production.has(v))];
    await this.residency.loadAtBoot(ordered);
  }

  list(): ModelEntry[] {
    return [...this.models].map(([name, versions]) => ({ name, versions }));
  }

  get(name: string): ModelEntry | undefined {
    const versions = this.models.get(name);
    return versions === undefined ? undefined : { name, versions };
  }

  /** The aliases of a model and the versions they name. */
  aliasesOf(name: string): { alias: string; version: number }[] {
    return this.options.aliases.list(name);
  }

  /** The version a request without a version gets: the `production` alias, or the newest version while unset. */
  defaultVersion(name: string): number | undefined {
    const versions = this.models.get(name);
    const aliased = this.options.aliases.current(name, PRODUCTION_ALIAS);
    if (aliased !== undefined && versions?.some((v) => v.version === aliased)) return aliased;
    return versions?.[versions.length - 1]?.version;
  }

  /** The number the next registered version of `name` gets. */
  nextVersion(name: string): number {
    return (this.models.get(name)?.at(-1)?.version ?? 0) + 1;
  }

  /**
   * The version a request asked for; without a version, the {@link defaultVersion}.
   * @throws GatewayError `MODEL_NOT_FOUND` or `MODEL_VERSION_NOT_FOUND`.
   */
  resolve(name: string, version?: number | null): ModelVersion {
    const versions = this.models.get(name);
    if (versions === undefined) {
      throw new GatewayError(ErrorCode.MODEL_NOT_FOUND, `Unknown model "${name}".`, {
        model: name,
        available: [...this.models.keys()],
      });
    }
    const wanted = version ?? this.defaultVersion(name);
    const found = versions.find((v) => v.version === wanted);
    if (found === undefined) {
      throw new GatewayError(ErrorCode.MODEL_VERSION_NOT_FOUND, `Model "${name}" has no version ${String(version)}.`, {
        model: name,
        version,
        available: versions.map((v) => v.version),
      });
    }
    return found;
  }

  /**
   * Admits a request to a version before its upload is read: a version that is not serving (and that the budget did
   * not unload) refuses it at once. Admission holds nothing: call the returned function once the request holds its
   * {@link lease}, or has failed.
   * @throws GatewayError `MODEL_NOT_READY`.
   */
  admit(version: ModelVersion): () => void {
    return this.residency.admit(version);
  }

  /**
   * A lease on a version for one request, taken once its upload has arrived. A version the budget unloaded is loaded
   * again first (unloading the least recently used idle ones if needed).
   * @throws GatewayError `MODEL_NOT_READY`, or `MEMORY_BUDGET_EXCEEDED` when it cannot be brought back.
   */
  lease(version: ModelVersion): Promise<VersionLease> {
    return this.residency.lease(version);
  }

  /**
   * Loads a version (default: `production`) on an operator's request, unloading least recently used idle versions
   * if the budget requires; a no-op if it is loaded. Once loaded, it is loaded at every boot (while the budget
   * allows) until unloaded.
   * @param actor who asked, for the audit log
   */
  async load(name: string, version: number | null | undefined, actor: string): Promise<ModelVersion> {
    const target = this.resolve(name, version);
    await this.residency.load(target, actor);
    this.options.catalogue.setIntendedState(target.name, target.version, 'LOADED');
    return target;
  }

  /**
   * Unloads a version (default: `production`): new requests for it get MODEL_NOT_READY at once, requests already
   * admitted finish, then its session is freed. Resolves when it is freed; it stays unloaded until loaded again,
   * restarts included.
   */
  async unload(name: string, version: number | null | undefined, actor: string): Promise<ModelVersion> {
    const target = this.resolve(name, version);
    this.options.catalogue.setIntendedState(target.name, target.version, 'UNLOADED');
    await this.residency.unload(target, actor);
    return target;
  }

  /**
   * Ready for traffic: at least one version serving, none failed, and no runner stuck. A version an operator
   * unloaded, or one the budget unloaded, does not make the gateway unready.
   */
  isReady(): boolean {
    const states = this.all().map((v) => v.state.status);
    return states.includes('READY') && !states.includes('FAILED') && this.stuckRunners() === 0;
  }

  /**
   * Runners stopped for not answering that are still running: a worker thread inside a run that never returns,
   * which holds a core until the process ends (a child process is killed at once, and does not stay here).
   */
  stuckRunners(): number {
    return this.options.backend.stuckRunners ?? 0;
  }

  /** Whether any request holds a version now, or let one go less than `quietMs` ago (traffic is likely to follow). */
  busy(quietMs = 0): boolean {
    const now = performance.now();
    return this.all().some((v) => v.activeRequests > 0 || now - v.lastReleasedAt < quietMs);
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await Promise.all(this.all().map((v) => v.unload()));
  }

  /** Every lifecycle change goes to the journal (queryable, persistent) and the log: who, what, and the result. */
  private audit(event: string, actor: string, target: ModelVersion, result: string, detail: string | null): void {
    const entry = { actor, model: target.name, version: target.version, event, result, detail };
    this.options.journal.record(entry);
    this.options.logger[result === 'FAILED' || result === 'REFUSED' ? 'error' : 'info'](entry, event);
  }

  private all(): ModelVersion[] {
    return [...this.models.values()].flat();
  }
}
