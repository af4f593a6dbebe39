import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { InferenceBackend } from '../inference/backend';
import { PRODUCTION_ALIAS, type AliasBook } from './alias-book';
import type { LifecycleJournal } from './lifecycle-journal';
import { MODEL_NAME, readManifest } from './manifest';
import { ModelVersion } from './model-version';

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
}

/** A model and its versions, newest last. */
export interface ModelEntry {
  readonly name: string;
  readonly versions: readonly ModelVersion[];
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/**
 * The models the gateway serves, discovered from `<modelsDir>/<name>/<version>/manifest.json`.
 *
 * Folders that are not a model name or a positive integer version (a training recipe, say) are ignored; a version
 * whose manifest is invalid is logged and skipped, so one bad folder never keeps the others from serving.
 */
export class ModelRegistry {
  private readonly models = new Map<string, ModelVersion[]>();

  constructor(private readonly options: ModelRegistryOptions) {}

  /** Scans the models folder. */
  async discover(): Promise<void> {
    const { modelsDir, batchMaxSize, logger } = this.options;
    for (const name of (await subdirectories(modelsDir)).filter((n) => MODEL_NAME.test(n))) {
      const versions: ModelVersion[] = [];
      for (const folder of await subdirectories(path.join(modelsDir, name))) {
        if (!/^[1-9][0-9]{0,8}$/.test(folder)) continue;
        const dir = path.join(modelsDir, name, folder);
        try {
          const manifest = await readManifest(dir);
          if (manifest.name !== name || manifest.version !== Number(folder)) {
            throw new Error(`manifest says ${manifest.name}@${manifest.version}, folder says ${name}@${folder}`);
          }
          versions.push(new ModelVersion(manifest, dir, batchMaxSize));
        } catch (error) {
          logger.error({ err: error, dir }, 'skipping model version with an invalid manifest');
        }
      }
      if (versions.length > 0) this.models.set(name, versions.sort((a, b) => a.version - b.version));
    }
  }

  /** Loads every discovered version at boot; failures are recorded and leave the version `FAILED`. */
  async loadAll(): Promise<void> {
    for (const version of this.all()) {
      const state = await version.load(this.options.backend);
      this.audit('model.load', 'system', version, state.status, state.status === 'FAILED' ? state.reason : null);
    }
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
   * Loads a version (default: the newest) on an operator's request; a no-op if it is loaded.
   * @param actor who asked, for the audit log
   */
  async load(name: string, version: number | null | undefined, actor: string): Promise<ModelVersion> {
    const target = this.resolve(name, version);
    const state = await target.load(this.options.backend);
    this.audit('model.load', actor, target, state.status, state.status === 'FAILED' ? state.reason : null);
    return target;
  }

  /**
   * Unloads a version (default: the newest): new requests for it get MODEL_NOT_READY at once, requests already
   * admitted finish, then its session is freed. Resolves when it is freed.
   */
  async unload(name: string, version: number | null | undefined, actor: string): Promise<ModelVersion> {
    const target = this.resolve(name, version);
    const unloading = target.unload(); // turns DRAINING synchronously unless another transition runs
    this.audit('model.unload.started', actor, target, target.state.status, `${target.activeRequests} requests in flight`);
    await unloading;
    this.audit('model.unload', actor, target, target.state.status, null);
    return target;
  }

  /**
   * Ready for traffic: at least one version serving, none still loading, none failed. A version an operator
   * unloaded on purpose does not make the gateway unready.
   */
  isReady(): boolean {
    const states = this.all().map((v) => v.state.status);
    return states.includes('READY') && !states.includes('LOADING') && !states.includes('FAILED');
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await Promise.all(this.all().map((v) => v.unload()));
  }

  /** Every lifecycle change goes to the journal (queryable, persistent) and the log: who, what, and the result. */
  private audit(event: string, actor: string, target: ModelVersion, result: string, detail: string | null): void {
    const entry = { actor, model: target.name, version: target.version, event, result, detail };
    this.options.journal.record(entry);
    this.options.logger[result === 'FAILED' ? 'error' : 'info'](entry, event);
  }

  private all(): ModelVersion[] {
    return [...this.models.values()].flat();
  }
}
