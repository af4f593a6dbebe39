import { z } from 'zod';

/** A decile histogram: 11 edges (the outer ones `null`, i.e. ±infinity), bins `[lo, hi)`, and their shares. */
const histogram = z
  .object({
    binEdges: z.array(z.number().nullable()).min(2),
    proportions: z.array(z.number().min(0).max(1)).min(1),
  })
  .refine((h) => h.binEdges.length === h.proportions.length + 1, 'one more edge than bins');

const statistic = z.intersection(z.object({ mean: z.number(), std: z.number() }), histogram);

const referenceStatistics = z.object({
  inputs: z.record(z.string(), statistic),
  outputs: z.object({ classMix: z.array(z.number().min(0).max(1)).min(1), confidence: histogram }),
});

/** The training data's statistics a manifest carries (`referenceStatistics`), as the drift monitor uses them. */
export type ReferenceStatistics = z.infer<typeof referenceStatistics>;
export type ReferenceHistogram = z.infer<typeof histogram>;

/** Reads a manifest's `referenceStatistics`; `undefined` when absent or malformed (the version is then not monitored). */
export function referenceStatisticsOf(manifest: Readonly<Record<string, unknown>>): ReferenceStatistics | undefined {
  const parsed = referenceStatistics.safeParse(manifest['referenceStatistics']);
  return parsed.success ? parsed.data : undefined;
}

/** The bin of `value` for `[lo, hi)` bins: the number of inner edges at or below it (numpy `searchsorted(side="right")`). */
export function binOf(value: number, edges: readonly (number | null)[]): number {
  let bin = 0;
  for (let i = 1; i < edges.length - 1; i += 1) if (value >= (edges[i] as number)) bin = i;
  return bin;
}
