import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import { ALIAS_NAME, type AliasBook } from './alias-book';
import type { LifecycleJournal } from './lifecycle-journal';
import type { ModelRegistry } from './model-registry';
import { runPromotionGate, type GateReport, type GateSettings } from './promotion-gate';

/** The outcome of a promotion: whether the alias moved, where it points now, and the gate's report. */
export interface PromotionOutcome {
  readonly promoted: boolean;
  readonly alias: string;
  /** The version the alias names after the call (unchanged when refused). */
  readonly version: number | null;
  readonly report: GateReport;
}

/** What a {@link PromotionService} is built from. */
export interface PromotionServiceOptions {
  readonly registry: ModelRegistry;
  readonly aliases: AliasBook;
  readonly journal: LifecycleJournal;
  readonly gate: GateSettings;
}

function checkAlias(alias: string): void {
  if (!ALIAS_NAME.test(alias)) {
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, 'An alias is a lowercase word of at most 32 characters.', {
      alias,
    });
  }
}

/** Moves aliases between versions: promotion through the validation gate, rollback to the previous version. */
export class PromotionService {
  constructor(private readonly options: PromotionServiceOptions) {}

  /**
   * Points `alias` at `version` if the version is loaded and passes the gate against the version the alias names
   * now. The report is returned and journaled either way.
   */
  async promote(name: string, version: number, alias: string, actor: string): Promise<PromotionOutcome> {
    checkAlias(alias);
    const { registry, aliases, journal } = this.options;
    const candidate = registry.resolve(name, version);
    const currentVersion = aliases.current(name, alias);
    const baseline =
      currentVersion === undefined ? undefined : registry.get(name)?.versions.find((v) => v.version === currentVersion);
    const report = await runPromotionGate(candidate, baseline, this.options.gate);
    if (report.passed) aliases.push(name, alias, version, actor);
    journal.record({
      actor,
      model: name,
      version,
      event: `model.promote.${alias}`,
      result: report.passed ? 'PROMOTED' : 'REJECTED',
      detail: JSON.stringify(report),
    });
    return { promoted: report.passed, alias, version: aliases.current(name, alias) ?? null, report };
  }

  /**
   * Points `alias` back at the version it named before, loading that version first if needed.
   * @throws GatewayError `NOT_FOUND` when there is nothing to go back to; `MODEL_NOT_READY` when it will not load.
   */
  async rollback(name: string, alias: string, actor: string): Promise<number> {
    checkAlias(alias);
    const { registry, aliases, journal } = this.options;
    const previous = aliases.previous(name, alias);
    if (previous === undefined) {
      throw new GatewayError(
        ErrorCode.NOT_FOUND,
        `Alias "${alias}" of "${name}" has no earlier version to roll back to.`,
        { model: name, alias },
      );
    }
    const target = await registry.load(name, previous, actor);
    if (target.state.status !== 'READY') {
      throw new GatewayError(ErrorCode.MODEL_NOT_READY, `Version ${previous} of "${name}" could not be loaded.`, {
        model: name,
        version: previous,
        state: target.state.status,
      });
    }
    const now = aliases.pop(name, alias) ?? previous;
    journal.record({
      actor,
      model: name,
      version: now,
      event: `model.rollback.${alias}`,
      result: 'ROLLED_BACK',
      detail: null,
    });
    return now;
  }
}
