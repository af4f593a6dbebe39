import type { LifecycleEvent, LifecycleJournal, RecordedLifecycleEvent } from '../registry/lifecycle-journal';
import type { ModelEventRepository } from './model-event.repository';

/** The registry's audit trail, kept in the embedded database so that it survives restarts. */
export function storeJournal(events: ModelEventRepository, clock: () => number = Date.now): LifecycleJournal {
  return {
    record(event: LifecycleEvent): void {
      events.append({ ...event, detail: event.detail ?? null, at: clock() });
    },
    list(model: string, limit: number): RecordedLifecycleEvent[] {
      return events.listForModel(model, limit).map((row) => ({ ...row, at: new Date(row.at) }));
    },
  };
}
