import type { TensorSpec } from '../inference/backend';
import type { Manifest } from './manifest';

/** What a client sends with `registerModel`; anything left out comes from the model's newest version. */
export interface ManifestDraft {
  readonly description?: string | null;
  readonly inputs?: readonly TensorSpec[] | null;
  readonly outputs?: readonly TensorSpec[] | null;
  readonly labels?: readonly string[] | null;
  readonly maxBatchSize?: number | null;
  /** Expected outputs of the model's reference inputs (the first rows of the newest version's golden inputs). */
  readonly goldenOutputs?: readonly (readonly number[])[] | null;
}

/** The part of a manifest every version of a model must share: what clients send and receive. */
export interface ModelContract {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly labels: readonly string[];
}

/** Dynamic dimensions compare equal whatever their symbol: `N` and `batch` both mean "any". */
function specKey(spec: TensorSpec): string {
  return JSON.stringify([spec.name, spec.dtype, spec.shape.map((d) => (typeof d === 'number' ? d : null))]);
}

/**
 * How a draft departs from the contract of the version before it.
 * @returns one line per difference; empty when the draft keeps the contract.
 */
export function contractChanges(previous: ModelContract, draft: ManifestDraft): string[] {
  const changes: string[] = [];
  const differs = (a: readonly TensorSpec[], b: readonly TensorSpec[]): boolean =>
    a.length !== b.length || a.some((spec, i) => specKey(spec) !== specKey(b[i] as TensorSpec));
  if (draft.inputs != null && differs(draft.inputs, previous.inputs))
    changes.push('inputs differ from the previous version');
  if (draft.outputs != null && differs(draft.outputs, previous.outputs))
    changes.push('outputs differ from the previous version');
  const labels = draft.labels;
  if (labels != null && (labels.length !== previous.labels.length || labels.some((l, i) => l !== previous.labels[i]))) {
    changes.push('labels differ from the previous version');
  }
  return changes;
}

/** The manifest fields a draft fills in, the newest version supplying whatever the draft leaves out. */
export function draftFields(draft: ManifestDraft, previous: Manifest | undefined): Partial<Manifest> {
  const pick = <K extends keyof ModelContract | 'description' | 'maxBatchSize'>(key: K): Manifest[K] | undefined =>
    ((draft as Record<string, unknown>)[key] ?? previous?.[key] ?? undefined) as Manifest[K] | undefined;
  return {
    description: pick('description') ?? '',
    inputs: pick('inputs'),
    outputs: pick('outputs'),
    labels: pick('labels'),
    maxBatchSize: pick('maxBatchSize'),
  };
}
