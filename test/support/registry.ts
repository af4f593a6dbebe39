import pino from 'pino';
import type { InferenceBackend } from '../../src/inference/backend';
import type { LifecycleJournal } from '../../src/registry/lifecycle-journal';
import type { MemoryBudget } from '../../src/registry/memory-budget';
import { ModelRegistry, type ModelRegistryOptions } from '../../src/registry/model-registry';
import { storeAliasBook } from '../../src/store/model-alias-book';
import { storeVersionCatalogue } from '../../src/store/model-registry-state';
import { openInMemoryStore } from '../../src/store/store';
import { FakeBackend } from './fake-backend';
import { memoryJournal } from './memory-journal';

/** No memory limits. */
export const UNLIMITED: MemoryBudget = { maxResidentVersions: 0, maxResidentBytes: 0 };

/** A registry over `modelsDir` with an in-memory store, a fake backend and no memory limits unless overridden. */
export function testRegistry(
  modelsDir: string,
  overrides: Partial<Omit<ModelRegistryOptions, 'backend' | 'journal'>> & {
    backend?: InferenceBackend;
    journal?: LifecycleJournal;
  } = {},
): ModelRegistry {
  const store = openInMemoryStore();
  return new ModelRegistry({
    modelsDir,
    backend: new FakeBackend(),
    batchMaxSize: 32,
    logger: pino({ level: 'silent' }),
    journal: memoryJournal(),
    aliases: storeAliasBook(store.modelAliases),
    catalogue: storeVersionCatalogue(store.modelVersions),
    budget: UNLIMITED,
    memoryProbe: () => 0,
    ...overrides,
  });
}
