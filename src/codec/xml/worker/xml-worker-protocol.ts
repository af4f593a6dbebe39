import { ErrorCode } from '../../../errors/error-code';
import { GatewayError, isGatewayError, type ErrorDetails } from '../../../errors/gateway-error';
import type { StageRecord } from '../../../telemetry/instrumentation';
import type { BatchExpectation } from '../../signal-batch';

/** What the XML worker is started with. */
export interface XmlWorkerData {
  readonly xsdPath: string;
  readonly maxXmlBytes: number;
}

/**
 * What the worker is asked: to decode a document (`bytes` shared or moved, not copied), reading only its first
 * `firstPart` samples before answering when that is fewer than all (the worker keeps the rest for `more`); to read
 * more of a document kept that way (`document` is the id of its `decode`); or to forget one (no answer).
 */
export type XmlDecodeRequest =
  | {
      readonly kind: 'decode';
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly expect: BatchExpectation;
      readonly firstPart: number;
    }
  | { readonly kind: 'more'; readonly id: number; readonly document: number; readonly upTo: number }
  | { readonly kind: 'drop'; readonly document: number };

/** A `GatewayError` as it crosses the thread boundary (classes do not survive structured cloning). */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: ErrorDetails;
}

/** Everything the worker says: once `ready` (or `unusable`), then one reply per request, in request order. */
export type XmlWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'unusable'; readonly error: WireError }
  | {
      readonly kind: 'decoded';
      readonly id: number;
      readonly count: number;
      readonly sampleLength: number;
      /**
       * Shared (or moved), not copied: batches are views of this very memory, and reach the inference worker without
       * a copy. ONNX Runtime itself is handed a copy of each batch (it refuses shared memory: see `OrtSession.run`).
       */
      readonly values: Float64Array;
      /** Samples read so far; the document is kept in the worker while this is below `count`. */
      readonly read: number;
      /** The ids of the samples read by this request (the last `ids.length` before `read`). */
      readonly ids: string[];
      readonly stages: StageRecord[];
    }
  | { readonly kind: 'refused'; readonly id: number; readonly error: WireError; readonly stages: StageRecord[] };

/** The replies to a request (everything but the start-up messages). */
export type XmlDecodeReply = Extract<XmlWorkerMessage, { readonly id: number }>;

/** What the worker says first: whether it can serve. */
export type XmlWorkerHello = Exclude<XmlWorkerMessage, { readonly id: number }>;

/** The requests that are answered (one {@link XmlDecodeReply} each). */
export type XmlDecodeCall = Exclude<XmlDecodeRequest, { readonly kind: 'drop' }>;

/** The one request that is not answered. */
export type XmlDecodeNotice = Extract<XmlDecodeRequest, { readonly kind: 'drop' }>;

/** Anything but a `GatewayError` is masked, exactly as it would be in a response. */
export function toWireError(error: unknown): WireError {
  if (isGatewayError(error)) return { code: error.code, message: error.message, details: error.details };
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'The XML batch could not be decoded.', details: {} };
}

/** The `GatewayError` a {@link WireError} stands for. */
export function fromWireError(error: WireError): GatewayError {
  return new GatewayError(error.code, error.message, error.details);
}
