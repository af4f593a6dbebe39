/** A lifecycle change to record: who did what to which version, and how it ended. */
export interface LifecycleEvent {
  readonly actor: string;
  readonly model: string;
  readonly version: number | null;
  readonly event: string;
  readonly result: string;
  readonly detail?: string | null;
}

/** A recorded {@link LifecycleEvent}, with its sequence number and time. */
export interface RecordedLifecycleEvent extends LifecycleEvent {
  readonly id: number;
  readonly at: Date;
}

/** Where the registry writes its audit trail, and reads it back from (the embedded store in production). */
export interface LifecycleJournal {
  record(event: LifecycleEvent): void;
  /** The newest `limit` events of a model, newest first. */
  list(model: string, limit: number): RecordedLifecycleEvent[];
}
