/** Who brought a version into the registry, and when. */
export interface Provenance {
  readonly registeredAt: Date;
  readonly registeredBy: string;
}

/** The facts a catalogue keeps about one version besides its provenance. */
export interface CatalogueEntry {
  readonly model: string;
  readonly version: number;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly actor: string;
  /** The {@link IntendedState} a version starts with when first recorded; absent: none (boot loads it if it fits). */
  readonly intended?: IntendedState;
}

/**
 * The state an operator asked a version to be in, kept across restarts: `LOADED` by `loadModel`, `UNLOADED` by
 * `unloadModel` or by a registration not yet followed by a load. Boot loads a version unless it is `UNLOADED`. The
 * memory budget's evictions do not change it: an evicted version is loaded again on demand.
 */
export type IntendedState = 'LOADED' | 'UNLOADED';

/**
 * The persistent list of registered versions (the embedded store in production). A version found on disk that the
 * catalogue does not know (one shipped in the image, say) is recorded as brought by `system` when first seen.
 */
export interface VersionCatalogue {
  /** Records the version unless already known, and returns its provenance (the first record wins). */
  record(entry: CatalogueEntry): Provenance;
  /** What an operator last asked of the version; `null` if never asked (or unknown). */
  intendedState(model: string, version: number): IntendedState | null;
  /** Records what an operator asked of the version. */
  setIntendedState(model: string, version: number, intended: IntendedState): void;
}
