import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../../src/registry/manifest';
import type { ModelRegistry } from '../../../src/registry/model-registry';
import { storeAliasBook } from '../../../src/store/model-alias-book';
import { storeVersionCatalogue } from '../../../src/store/model-registry-state';
import { openInMemoryStore, type Store } from '../../../src/store/store';
import { FakeBackend, FakeSession } from '../../support/fake-backend';
import { fakeModelFiles } from '../../support/fake-version';
import { memoryJournal } from '../../support/memory-journal';
import { testRegistry } from '../../support/registry';

function writeVersion(root: string, name: string, version: number, patch: Record<string, unknown> = {}): void {
  const dir = path.join(root, name, String(version));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(fakeModelFiles(dir, name, version, patch)));
}

async function registryOver(root: string, backend = new FakeBackend()): Promise<ModelRegistry> {
  const registry = testRegistry(root, { backend });
  await registry.discover();
  await registry.loadAll();
  return registry;
}

describe('ModelRegistry', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'infergraph-registry-'));
  });

  it('discovers versions, ignores non-version folders, and loads them', async () => {
    writeVersion(root, 'm', 1);
    writeVersion(root, 'm', 2);
    mkdirSync(path.join(root, 'm', 'recipe'));
    const registry = await registryOver(root);
    expect(registry.list().map((m) => [m.name, m.versions.map((v) => [v.version, v.state.status])])).toEqual([
      [
        'm',
        [
          [1, 'READY'],
          [2, 'READY'],
        ],
      ],
    ]);
    expect(registry.isReady()).toBe(true);
    expect(registry.resolve('m').version).toBe(2);
    expect(registry.resolve('m', 1).version).toBe(1);
  });

  it('answers unknown models and versions with their own codes', async () => {
    writeVersion(root, 'm', 1);
    const registry = await registryOver(root);
    expect(() => registry.resolve('nope')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(() => registry.resolve('m', 9)).toThrow(expect.objectContaining({ code: 'MODEL_VERSION_NOT_FOUND' }));
  });

  it('skips a version whose manifest is invalid or disagrees with its folder', async () => {
    writeVersion(root, 'good', 1);
    writeVersion(root, 'bad', 1, { labels: [] });
    writeVersion(root, 'moved', 1, { version: 3 });
    const registry = await registryOver(root);
    expect(registry.list().map((m) => m.name)).toEqual(['good']);
  });

  it('fails a version whose file does not match the manifest checksum, without touching the runtime', async () => {
    writeVersion(root, 'm', 1, { sha256: 'a'.repeat(64) });
    const backend = new FakeBackend();
    const registry = await registryOver(root, backend);
    const [version] = registry.get('m')?.versions ?? [];
    expect(version?.state).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('sha256') });
    expect(backend.sessions).toHaveLength(0);
    expect(registry.isReady()).toBe(false);
    expect(() => version?.acquire()).toThrow(expect.objectContaining({ code: 'MODEL_NOT_READY' }));
  });

  it('fails and releases a session whose signature disagrees with the manifest', async () => {
    writeVersion(root, 'm', 1);
    const backend = new FakeBackend(() => new FakeSession([{ name: 'signal', dtype: 'float64', shape: ['N', 3, 1] }]));
    const registry = await registryOver(root, backend);
    const state = registry.get('m')?.versions[0]?.state;
    expect(state).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('input 0') });
    expect(backend.sessions[0]?.released).toBe(true);
  });

  it('keeps the manifest batch size when it is lower than the configured one', async () => {
    writeVersion(root, 'm', 1, { maxBatchSize: 8 });
    const registry = await registryOver(root);
    expect(registry.resolve('m').plan).toEqual({ sampleDims: [4, 1], maxBatchSize: 8 });
  });

  it('records every boot load in the journal, with the reason of a failure', async () => {
    writeVersion(root, 'good', 1);
    writeVersion(root, 'bad', 1, { sha256: 'b'.repeat(64) });
    const journal = memoryJournal();
    const registry = testRegistry(root, { journal });
    await registry.discover();
    await registry.loadAll();
    expect(journal.events.map((e) => [e.actor, e.model, e.event, e.result])).toEqual([
      ['system', 'bad', 'model.promote.production', 'PROMOTED'],
      ['system', 'good', 'model.promote.production', 'PROMOTED'],
      ['system', 'bad', 'model.load', 'FAILED'],
      ['system', 'good', 'model.load', 'READY'],
    ]);
    expect(journal.events[2]?.detail).toMatch(/sha256/);
  });

  it('releases every session on close', async () => {
    writeVersion(root, 'm', 1);
    const backend = new FakeBackend();
    const registry = await registryOver(root, backend);
    await registry.close();
    expect(backend.sessions.every((s) => s.released)).toBe(true);
    expect(registry.resolve('m').state.status).toBe('UNLOADED');
  });
});

describe('what a restart loads', () => {
  let root: string;
  let store: Store;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'infergraph-registry-'));
    store = openInMemoryStore();
  });

  /** A registry over `root` sharing one store across "restarts", booted as the gateway boots it. */
  async function boot(): Promise<ModelRegistry> {
    const registry = testRegistry(root, {
      aliases: storeAliasBook(store.modelAliases),
      catalogue: storeVersionCatalogue(store.modelVersions),
    });
    await registry.discover();
    await registry.loadAll();
    return registry;
  }

  const states = (registry: ModelRegistry): [number, string][] =>
    (registry.get('m')?.versions ?? []).map((v) => [v.version, v.state.status]);

  it('keeps a registered version unloaded until an operator loads it, then loads it at every boot', async () => {
    writeVersion(root, 'm', 1);
    const first = await boot();
    writeVersion(root, 'm', 2);
    const manifest = JSON.parse(readFileSync(path.join(root, 'm', '2', 'manifest.json'), 'utf8')) as Manifest;
    first.add(manifest, path.join(root, 'm', '2'), 'user:admin');
    await first.close();

    const second = await boot();
    expect(states(second)).toEqual([
      [1, 'READY'],
      [2, 'UNLOADED'],
    ]);
    await second.load('m', 2, 'user:admin');
    await second.close();

    expect(states(await boot())).toEqual([
      [1, 'READY'],
      [2, 'READY'],
    ]);
  });

  it('keeps a version an operator unloaded unloaded across restarts until it is loaded again', async () => {
    writeVersion(root, 'm', 1);
    writeVersion(root, 'm', 2);
    const first = await boot();
    await first.unload('m', 1, 'user:admin');
    await first.close();
    const second = await boot();
    expect(states(second)).toEqual([
      [1, 'UNLOADED'],
      [2, 'READY'],
    ]);
    await expect(second.lease(second.resolve('m', 1))).rejects.toMatchObject({ code: 'MODEL_NOT_READY' });
    await second.load('m', 1, 'user:admin');
    await second.close();
    expect(states(await boot())).toEqual([
      [1, 'READY'],
      [2, 'READY'],
    ]);
  });
});
