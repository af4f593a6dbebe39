import { storeJournal } from '../../../src/store/model-event-journal';
import { openInMemoryStore } from '../../../src/store/store';

describe('model events', () => {
  it("appends events and lists a model's newest first, up to a limit", () => {
    const store = openInMemoryStore();
    const base = { actor: 'user:admin', version: 1, result: 'READY', detail: null };
    store.modelEvents.append({ ...base, at: 1, model: 'a', event: 'model.load' });
    store.modelEvents.append({ ...base, at: 2, model: 'b', event: 'model.load' });
    store.modelEvents.append({ ...base, at: 3, model: 'a', event: 'model.unload', result: 'UNLOADED' });
    store.modelEvents.append({ ...base, at: 4, model: 'a', event: 'model.load' });
    expect(store.modelEvents.listForModel('a', 10).map((e) => [e.at, e.event])).toEqual([
      [4, 'model.load'],
      [3, 'model.unload'],
      [1, 'model.load'],
    ]);
    expect(store.modelEvents.listForModel('a', 2)).toHaveLength(2);
    expect(store.modelEvents.listForModel('nope', 10)).toEqual([]);
    store.close();
  });

  it("journals through the store with the clock's time and a null detail by default", () => {
    const store = openInMemoryStore();
    const journal = storeJournal(store.modelEvents, () => 1_700_000_000_000);
    journal.record({
      actor: 'system',
      model: 'm',
      version: 2,
      event: 'model.load',
      result: 'FAILED',
      detail: 'sha256 differs',
    });
    journal.record({ actor: 'user:ada', model: 'm', version: 2, event: 'model.unload', result: 'UNLOADED' });
    const [latest, first] = journal.list('m', 5);
    expect(latest).toMatchObject({
      actor: 'user:ada',
      event: 'model.unload',
      detail: null,
      at: new Date(1_700_000_000_000),
    });
    expect(first).toMatchObject({ actor: 'system', result: 'FAILED', detail: 'sha256 differs', version: 2 });
    expect((latest?.id ?? 0) > (first?.id ?? 0)).toBe(true);
    store.close();
  });
});
