import type { LifecycleEvent, LifecycleJournal, RecordedLifecycleEvent } from '../../src/registry/lifecycle-journal';

/** A journal kept in an array, for unit tests that do not need the database. */
export function memoryJournal(): LifecycleJournal & { readonly events: RecordedLifecycleEvent[] } {
  const events: RecordedLifecycleEvent[] = [];
  return {
    events,
    record(event: LifecycleEvent) {
      events.push({ ...event, id: events.length + 1, at: new Date() });
    },
    list(model: string, limit: number) {
      return events
        .filter((e) => e.model === model)
        .reverse()
        .slice(0, limit);
    },
  };
}
