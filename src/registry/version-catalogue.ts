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
}

/**
 * The persistent list of registered versions (the embedded store in production). A version found on disk that the
 * catalogue does not know (one shipped in the image, say) is recorded as brought by `system` when first seen.
 */
export interface VersionCatalogue {
  /** Records the version unless already known, and returns its provenance (the first record wins). */
  record(entry: CatalogueEntry): Provenance;
}
