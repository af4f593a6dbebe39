import type { CatalogueEntry } from '../../../src/registry/version-catalogue';
import { storeVersionCatalogue } from '../../../src/store/model-registry-state';
import { openInMemoryStore } from '../../../src/store/store';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

const entry = (patch: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  model: 'm',
  version: 1,
  sha256: SHA_A,
  sizeBytes: 100,
  actor: 'user:a',
  ...patch,
});

describe('model versions', () => {
  it('inserts an unknown version and returns the stored row', () => {
    const { modelVersions: versions, close } = openInMemoryStore();
    expect(versions.recordIfAbsent(entry(), 1_000)).toEqual({
      sha256: SHA_A,
      sizeBytes: 100,
      registeredAt: 1_000,
      registeredBy: 'user:a',
    });
    close();
  });

  it('keeps the first row when the same version is recorded again (the first record wins)', () => {
    const { modelVersions: versions, close } = openInMemoryStore();
    const first = versions.recordIfAbsent(entry(), 1_000);
    const second = versions.recordIfAbsent(entry({ sha256: SHA_B, sizeBytes: 999, actor: 'system' }), 2_000);
    expect(second).toEqual(first);
    expect(second).toEqual({ sha256: SHA_A, sizeBytes: 100, registeredAt: 1_000, registeredBy: 'user:a' });
    close();
  });

  it('keeps versions of a model, and models, apart', () => {
    const { modelVersions: versions, close } = openInMemoryStore();
    versions.recordIfAbsent(entry({ version: 1 }), 1_000);
    expect(versions.recordIfAbsent(entry({ version: 2, sha256: SHA_B, actor: 'user:b' }), 2_000)).toEqual({
      sha256: SHA_B,
      sizeBytes: 100,
      registeredAt: 2_000,
      registeredBy: 'user:b',
    });
    expect(
      versions.recordIfAbsent(
        entry({ model: 'other', version: 1, sha256: SHA_B, sizeBytes: 7, actor: 'system' }),
        3_000,
      ),
    ).toEqual({
      sha256: SHA_B,
      sizeBytes: 7,
      registeredAt: 3_000,
      registeredBy: 'system',
    });
    // The first model's version 1 is untouched by either.
    expect(versions.recordIfAbsent(entry({ version: 1, sha256: SHA_B }), 4_000)).toEqual({
      sha256: SHA_A,
      sizeBytes: 100,
      registeredAt: 1_000,
      registeredBy: 'user:a',
    });
    close();
  });
});

describe('store version catalogue', () => {
  it('returns the provenance with registeredAt as a Date from the injected clock, and keeps the first on a repeat', () => {
    const store = openInMemoryStore();
    let now = 1_700_000_000_000;
    const catalogue = storeVersionCatalogue(store.modelVersions, () => now);
    const first = catalogue.record(entry());
    expect(first.registeredAt).toBeInstanceOf(Date);
    expect(first).toEqual({ registeredAt: new Date(1_700_000_000_000), registeredBy: 'user:a' });
    now += 60_000;
    expect(catalogue.record(entry({ sha256: SHA_B, actor: 'system' }))).toEqual({
      registeredAt: new Date(1_700_000_000_000),
      registeredBy: 'user:a',
    });
    expect(catalogue.record(entry({ version: 2, actor: 'system' }))).toEqual({
      registeredAt: new Date(1_700_000_060_000),
      registeredBy: 'system',
    });
    store.close();
  });

  it('keeps the state an operator asked for: the one first recorded, then whatever was last set', () => {
    const store = openInMemoryStore();
    const catalogue = storeVersionCatalogue(store.modelVersions);
    catalogue.record(entry());
    catalogue.record(entry({ version: 2, intended: 'UNLOADED' }));
    expect(catalogue.intendedState('m', 1)).toBeNull();
    expect(catalogue.intendedState('m', 2)).toBe('UNLOADED');
    catalogue.record(entry({ version: 2, intended: 'LOADED' }));
    expect(catalogue.intendedState('m', 2)).toBe('UNLOADED');
    catalogue.setIntendedState('m', 2, 'LOADED');
    catalogue.setIntendedState('m', 1, 'UNLOADED');
    expect([catalogue.intendedState('m', 1), catalogue.intendedState('m', 2)]).toEqual(['UNLOADED', 'LOADED']);
    expect(catalogue.intendedState('m', 3)).toBeNull();
    store.close();
  });
});
