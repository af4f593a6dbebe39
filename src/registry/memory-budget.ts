import type { ModelVersion } from './model-version';

/** Limits on the sessions kept in memory; 0 means no limit. */
export interface MemoryBudget {
  /** Most versions loaded at once. */
  readonly maxResidentVersions: number;
  /** Most bytes attributed to loaded versions (see {@link ModelVersion.residentBytes}). */
  readonly maxResidentBytes: number;
}

/** What the budget decided for one load: the versions to unload first, or why the load cannot fit. */
export type RoomPlan =
  { readonly fits: true; readonly evict: readonly ModelVersion[] } | { readonly fits: false; readonly reason: string };

/**
 * Picks least-recently-used idle versions to unload so that `incoming` (expected to need `incomingBytes`) fits.
 * A version with a request in flight is never picked; when evicting every idle version is not enough, nothing is.
 */
export function planRoom(
  budget: MemoryBudget,
  resident: readonly ModelVersion[],
  incoming: ModelVersion,
  incomingBytes: number,
): RoomPlan {
  const others = resident.filter((v) => v !== incoming);
  const fits = (kept: readonly ModelVersion[]): boolean =>
    (budget.maxResidentVersions === 0 || kept.length + 1 <= budget.maxResidentVersions) &&
    (budget.maxResidentBytes === 0 ||
      kept.reduce((sum, v) => sum + (v.residentBytes ?? 0), 0) + incomingBytes <= budget.maxResidentBytes);
  const idle = others.filter((v) => v.activeRequests === 0).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  let kept = others;
  const evict: ModelVersion[] = [];
  for (const victim of idle) {
    if (fits(kept)) break;
    evict.push(victim);
    kept = kept.filter((v) => v !== victim);
  }
  if (fits(kept)) return { fits: true, evict };
  const busy = others.length - idle.length;
  return {
    fits: false,
    reason:
      budget.maxResidentBytes !== 0 && incomingBytes > budget.maxResidentBytes
        ? `it needs about ${incomingBytes} bytes, more than the whole budget of ${budget.maxResidentBytes}`
        : `${busy} loaded version(s) are serving requests and cannot be unloaded to make room`,
  };
}
