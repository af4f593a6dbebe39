import type { Float64Tensor } from '../inference/backend';
import type { ModelVersion } from '../registry/model-version';
import { argmaxRows } from '../tensor/output-agreement';
import { DriftWindow, populationStabilityIndex } from './drift-window';
import {
  binOf,
  referenceStatisticsOf,
  type ReferenceHistogram,
  type ReferenceStatistics,
} from './reference-statistics';
import { SIGNAL_STATISTICS, signalStatistics, type SignalStatistic } from './signal-statistics';

/** How much live traffic the monitor weighs, and when it calls a shift drift. */
export interface MonitorSettings {
  /** The window: the last this many samples of each version. */
  readonly windowSamples: number;
  /** Below this many samples the drift score is not reported (too little to compare). */
  readonly minSamples: number;
  /** A population stability index at or above this is drift (the alert rule uses the same threshold). */
  readonly alertPsi: number;
}

/** How one live statistic compares with its reference. */
export interface StatisticDrift {
  readonly statistic: string;
  readonly referenceMean: number | null;
  readonly liveMean: number | null;
  readonly psi: number | null;
}

/** Where a version's live traffic stands against its training data. */
export type DriftStatus = 'INSUFFICIENT_DATA' | 'STABLE' | 'SHIFTING' | 'DRIFTING';

/** The monitoring report of one version. */
export interface MonitoringReport {
  readonly model: string;
  readonly version: number;
  readonly samples: number;
  readonly windowSamples: number;
  readonly inputs: readonly StatisticDrift[];
  readonly confidence: StatisticDrift;
  readonly classMix: readonly { readonly label: string; readonly reference: number; readonly live: number | null }[];
  readonly classMixPsi: number | null;
  /** The largest PSI of the tracked statistics, class mix and confidence; null until `minSamples`. */
  readonly driftScore: number | null;
  readonly alertPsi: number;
  readonly status: DriftStatus;
  /** Reference statistics of the manifest the gateway does not compute on live traffic. */
  readonly untracked: readonly string[];
}

/** The windows of one version with reference statistics. */
class VersionMonitor {
  private readonly inputs = new Map<
    SignalStatistic,
    { window: DriftWindow; reference: ReferenceHistogram & { mean: number } }
  >();
  private readonly confidence: DriftWindow;
  private readonly classes: DriftWindow;

  constructor(
    private readonly version: ModelVersion,
    private readonly reference: ReferenceStatistics,
    private readonly settings: MonitorSettings,
  ) {
    for (const name of SIGNAL_STATISTICS) {
      const ref = reference.inputs[name];
      if (ref !== undefined)
        this.inputs.set(name, {
          window: new DriftWindow(settings.windowSamples, ref.proportions.length),
          reference: ref,
        });
    }
    this.confidence = new DriftWindow(settings.windowSamples, reference.outputs.confidence.proportions.length);
    this.classes = new DriftWindow(settings.windowSamples, reference.outputs.classMix.length);
  }

  observe(values: Float64Array, count: number, outputs: Float64Tensor): void {
    const length = this.version.sampleLength;
    for (let i = 0; i < count; i += 1) {
      const stats = signalStatistics(values.subarray(i * length, (i + 1) * length));
      for (const [name, { window, reference }] of this.inputs)
        window.add(binOf(stats[name], reference.binEdges), stats[name]);
    }
    const width = outputs.dims[outputs.dims.length - 1] ?? 1;
    argmaxRows(outputs.data, width).forEach((label, row) => {
      const confidence = outputs.data[row * width + label] as number;
      this.classes.add(label, label);
      this.confidence.add(binOf(confidence, this.reference.outputs.confidence.binEdges), confidence);
    });
  }

  report(): MonitoringReport {
    const { settings, reference, version } = this;
    const enough = this.classes.size >= settings.minSamples;
    const drift = (
      statistic: string,
      window: DriftWindow,
      ref: ReferenceHistogram,
      referenceMean: number | null,
    ): StatisticDrift => ({
      statistic,
      referenceMean,
      liveMean: window.size === 0 ? null : window.mean,
      psi: enough ? populationStabilityIndex(ref.proportions, window.proportions()) : null,
    });
    const inputs = [...this.inputs].map(([name, { window, reference: ref }]) => drift(name, window, ref, ref.mean));
    const confidenceRef = reference.outputs.confidence;
    const confidence = drift('confidence', this.confidence, confidenceRef, null);
    const classMixPsi = enough
      ? populationStabilityIndex(reference.outputs.classMix, this.classes.proportions())
      : null;
    const scores = [...inputs.map((s) => s.psi), confidence.psi, classMixPsi].filter((p): p is number => p !== null);
    const driftScore = enough && scores.length > 0 ? Math.max(...scores) : null;
    const live = this.classes.proportions();
    return {
      model: version.name,
      version: version.version,
      samples: this.classes.size,
      windowSamples: settings.windowSamples,
      inputs,
      confidence,
      classMix: version.manifest.labels.map((label, i) => ({
        label,
        reference: reference.outputs.classMix[i] ?? 0,
        live: this.classes.size === 0 ? null : (live[i] ?? 0),
      })),
      classMixPsi,
      driftScore,
      alertPsi: settings.alertPsi,
      status:
        driftScore === null
          ? 'INSUFFICIENT_DATA'
          : driftScore >= settings.alertPsi
            ? 'DRIFTING'
            : driftScore >= 0.1
              ? 'SHIFTING'
              : 'STABLE',
      untracked: Object.keys(reference.inputs).filter((name) => !this.inputs.has(name as SignalStatistic)),
    };
  }
}

/**
 * Model monitoring: for every version whose manifest carries `referenceStatistics`, the same statistics of its live
 * inputs and predictions over a sliding window, and their population stability index against the reference.
 */
export class ModelMonitor {
  private readonly monitors = new WeakMap<ModelVersion, VersionMonitor | null>();

  constructor(private readonly settings: MonitorSettings) {}

  /** Adds a served batch (call it after the response: it reads every value once). */
  observe(version: ModelVersion, values: Float64Array, count: number, outputs: Float64Tensor): void {
    this.monitorOf(version)?.observe(values, count, outputs);
  }

  /** The report of a version, or `undefined` when its manifest has no reference statistics. */
  report(version: ModelVersion): MonitoringReport | undefined {
    return this.monitorOf(version)?.report();
  }

  private monitorOf(version: ModelVersion): VersionMonitor | undefined {
    let monitor = this.monitors.get(version);
    if (monitor === undefined) {
      const reference = referenceStatisticsOf(version.manifest);
      monitor = reference === undefined ? null : new VersionMonitor(version, reference, this.settings);
      this.monitors.set(version, monitor);
    }
    return monitor ?? undefined;
  }
}

/** A report's scores as the drift metrics export them: one PSI per statistic (`confidence`, `class_mix` included). */
export function driftScores(report: MonitoringReport): {
  model: string;
  version: number;
  driftScore: number | null;
  psi: { statistic: string; value: number | null }[];
} {
  return {
    model: report.model,
    version: report.version,
    driftScore: report.driftScore,
    psi: [
      ...report.inputs.map((s) => ({ statistic: s.statistic, value: s.psi })),
      { statistic: 'confidence', value: report.confidence.psi },
      { statistic: 'class_mix', value: report.classMixPsi },
    ],
  };
}
