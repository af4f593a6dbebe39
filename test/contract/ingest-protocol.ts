/** What a jest test and `ingest-host.ts` say to each other over IPC (see there). */
import type { BatchExpectation, SampleFormat } from '../../src/codec/signal-batch';
import type { ErrorCode } from '../../src/errors/error-code';
import type { ErrorDetails } from '../../src/errors/gateway-error';

export type HostRequest =
  | {
      readonly op: 'decode';
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly filename: string | undefined;
      readonly expect: BatchExpectation;
    }
  | { readonly op: 'next'; readonly id: number; readonly handle: number }
  | { readonly op: 'abandon'; readonly handle: number }
  | { readonly op: 'loaded'; readonly id: number };

export type HostResult =
  /** The ingest has started (or could not: the reply is then an error). */
  | { readonly op: 'started' }
  | {
      readonly op: 'decode';
      readonly format: SampleFormat;
      readonly count: number;
      readonly sampleLength: number;
      readonly ids: string[];
      /** Every sample's room, the first `ready` filled. */
      readonly values: Float64Array;
      readonly ready: number;
      /** Set while the rest is to be read (`next`). */
      readonly handle: number | undefined;
    }
  | { readonly op: 'next'; readonly ready: number; readonly ids: string[]; readonly values: Float64Array }
  | { readonly op: 'loaded'; readonly modules: string[] };

/** An error as it crosses: a `GatewayError`'s parts, or only the message of anything else. */
export type HostError =
  | { readonly gateway: true; readonly code: ErrorCode; readonly message: string; readonly details: ErrorDetails }
  | { readonly gateway: false; readonly message: string };

/** Replies carry the id of their request; the start-up message carries {@link STARTED}. */
export const STARTED = -1;

export type HostReply =
  | { readonly id: number; readonly ok: true; readonly result: HostResult }
  | { readonly id: number; readonly ok: false; readonly error: HostError };
