import type { TensorSpec } from '../backend';
import type { OrtBackendOptions } from './ort-backend';

/** What the inference worker is started with. */
export type OrtWorkerData = OrtBackendOptions;

/** Requests to the inference worker; each is answered by one {@link OrtWorkerReply} with the same id. */
export type OrtWorkerRequest =
  | { readonly op: 'open'; readonly id: number; readonly modelPath: string }
  | {
      readonly op: 'run';
      readonly id: number;
      readonly session: number;
      /** In shared memory (or a moved copy): shared with the worker, not cloned. */
      readonly data: Float64Array;
      readonly dims: readonly number[];
    }
  | { readonly op: 'release'; readonly id: number; readonly session: number };

/** What each request gets back. */
export type OrtWorkerResult =
  | {
      readonly op: 'open';
      readonly session: number;
      readonly inputs: readonly TensorSpec[];
      readonly outputs: readonly TensorSpec[];
    }
  | { readonly op: 'run'; readonly data: Float64Array; readonly dims: readonly number[] }
  | { readonly op: 'release' };

export type OrtWorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: OrtWorkerResult }
  /** Errors cross as their message only; the gateway never shows them to clients. */
  | { readonly id: number; readonly ok: false; readonly message: string };
