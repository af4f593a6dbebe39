import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createNpyBatchDecoder } from '../codec/npy/npy-batch-decoder';
import { isGatewayError } from '../errors/gateway-error';
import type { Float64Tensor } from '../inference/backend';
import { runInBatches } from '../inference/batch-runner';
import { compareOutputs } from '../tensor/output-agreement';
import type { ModelVersion } from './model-version';

/** How strict the gate is. */
export interface GateSettings {
  /** Largest absolute difference allowed between a golden output and its expected value. */
  readonly goldenTolerance: number;
  /** Smallest share of golden inputs on which candidate and current version must pick the same label. */
  readonly minAgreement: number;
  /** Golden inputs used (the first ones of the manifest's held-out set). */
  readonly maxGoldenSamples: number;
}

/** What the gate measured and decided; returned by `promoteModel` and kept in the audit trail. */
export interface GateReport {
  readonly passed: boolean;
  readonly candidate: number;
  readonly baseline: number | null;
  readonly samples: number;
  readonly goldenMaxAbsDiff: number | null;
  readonly goldenTolerance: number;
  readonly agreement: number | null;
  readonly meanAbsDifference: number | null;
  readonly minAgreement: number;
  readonly problems: readonly string[];
}

const npy = createNpyBatchDecoder();

async function readMatrix(file: string, width: number): Promise<{ values: Float64Array; count: number }> {
  const batch = npy.decode(await readFile(file), { sampleLength: width, maxSamples: 1_000_000 });
  return { values: batch.values, count: batch.count };
}

/** Runs `count` rows of `values` on a version, holding a lease for the duration. */
async function outputsOf(version: ModelVersion, values: Float64Array, count: number): Promise<Float64Tensor> {
  const lease = version.acquire();
  try {
    return await runInBatches(lease.session, values.subarray(0, count * version.sampleLength), count, version.plan);
  } finally {
    lease.release();
  }
}

/**
 * The promotion gate: the candidate must reproduce its manifest's golden outputs within tolerance, and agree with
 * the version the alias names now (if any) on at least `minAgreement` of the golden inputs. Never throws for a
 * failing check: every problem is reported.
 */
export async function runPromotionGate(
  candidate: ModelVersion,
  baseline: ModelVersion | undefined,
  settings: GateSettings,
): Promise<GateReport> {
  const problems: string[] = [];
  const width = candidate.manifest.labels.length;
  const report = {
    candidate: candidate.version,
    baseline: baseline?.version ?? null,
    goldenTolerance: settings.goldenTolerance,
    minAgreement: settings.minAgreement,
  };
  const golden = candidate.manifest.heldout;
  if (golden === undefined) {
    return {
      ...report,
      passed: false,
      samples: 0,
      goldenMaxAbsDiff: null,
      agreement: null,
      meanAbsDifference: null,
      problems: ['the manifest declares no golden inputs (heldout)'],
    };
  }
  let goldenMaxAbsDiff: number | null = null;
  let agreement: number | null = null;
  let meanAbsDifference: number | null = null;
  let samples = 0;
  try {
    const inputs = await readMatrix(path.join(candidate.dir, golden.inputs), candidate.sampleLength);
    const expected = await readMatrix(path.join(candidate.dir, golden.expectedOutputs), width);
    samples = Math.min(inputs.count, expected.count, settings.maxGoldenSamples);
    const out = await outputsOf(candidate, inputs.values, samples);
    goldenMaxAbsDiff = 0;
    for (let i = 0; i < samples * width; i += 1) {
      goldenMaxAbsDiff = Math.max(goldenMaxAbsDiff, Math.abs((out.data[i] as number) - (expected.values[i] as number)));
    }
    if (!(goldenMaxAbsDiff <= settings.goldenTolerance)) {
      problems.push(
        `golden outputs differ by up to ${goldenMaxAbsDiff}, more than the tolerance ${settings.goldenTolerance}`,
      );
    }
    if (baseline !== undefined && baseline !== candidate) {
      const compared = compareOutputs(out, await outputsOf(baseline, inputs.values, samples));
      agreement = compared.agreed / compared.samples;
      meanAbsDifference = compared.absDifferenceSum / compared.valuesCompared;
      if (agreement < settings.minAgreement) {
        problems.push(
          `agrees with version ${baseline.version} on ${agreement} of golden inputs, below ${settings.minAgreement}`,
        );
      }
    }
  } catch (error) {
    problems.push(isGatewayError(error) ? error.message : 'the golden data could not be read or run');
  }
  return {
    ...report,
    passed: problems.length === 0,
    samples,
    goldenMaxAbsDiff,
    agreement,
    meanAbsDifference,
    problems,
  };
}
