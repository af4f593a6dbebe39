import { once } from 'node:events';
import type { Writable } from 'node:stream';

import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { assertFiniteRows } from '../batch-errors';
import {
  BATCH_ELEMENT,
  BATCH_NAMESPACE,
  SAMPLE_ELEMENT,
  SAMPLE_ID_ATTRIBUTE,
  SAMPLE_ID_PATTERN,
} from './xml-batch-contract';

/** What the writer serialises: `ids.length` samples of `sampleLength` values, row-major in `values`. */
export interface XmlBatchSource {
  readonly values: Float64Array;
  readonly sampleLength: number;
  readonly ids: readonly string[];
}

/** Digits in generated ids: `rec-0000`, `rec-0001`, ... (more digits once there are over 10,000 samples). */
const ID_DIGITS = 4;

/** Ids `<prefix><index zero-padded to 4 digits>` for `count` samples; checked like any other id when written. */
export function sequentialSampleIds(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(ID_DIGITS, '0')}`);
}

/**
 * The XML text of a batch as chunks: the prolog, then one chunk per sample line, then the closing tag. Everything
 * is checked before the first chunk is produced, so a consumer never receives half a document.
 *
 * Each value is written as JavaScript's shortest round-trip form (`String(value)`, and `-0` for negative zero,
 * which `String` would print as `0`), so that `Number(token)` gives back the identical double. Output depends only
 * on the input: same batch, same bytes.
 */
export function* xmlBatchChunks(source: XmlBatchSource): Generator<string, void, undefined> {
  assertXmlBatchSource(source);
  const { values, sampleLength, ids } = source;
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<${BATCH_ELEMENT} xmlns="${BATCH_NAMESPACE}">\n`;
  // One reusable array of tokens: join() is several times faster than growing a string value by value.
  const tokens = new Array<string>(sampleLength);
  for (let s = 0; s < ids.length; s++) {
    const base = s * sampleLength;
    for (let j = 0; j < sampleLength; j++) tokens[j] = formatDouble(values[base + j] as number);
    yield `  <${SAMPLE_ELEMENT} ${SAMPLE_ID_ATTRIBUTE}="${ids[s]}">${tokens.join(' ')}</${SAMPLE_ELEMENT}>\n`;
  }
  yield `</${BATCH_ELEMENT}>\n`;
}

/** The whole document as one string (tests, small batches). */
export function encodeXmlBatch(source: XmlBatchSource): string {
  return Array.from(xmlBatchChunks(source)).join('');
}

/**
 * Streams the document into `sink`, honouring back-pressure; resolves with the number of bytes written. The sink
 * is left open: the caller ends it (and so decides what happens to a file on failure).
 */
export async function writeXmlBatch(source: XmlBatchSource, sink: Writable): Promise<number> {
  let written = 0;
  for (const chunk of xmlBatchChunks(source)) {
    written += Buffer.byteLength(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  return written;
}

/** Shortest text that `Number()` reads back as exactly `value`. */
export function formatDouble(value: number): string {
  return value === 0 && 1 / value < 0 ? '-0' : String(value);
}

/**
 * Throws the `GatewayError` the writer would throw for this source (`BAD_USER_INPUT` for shape or id problems,
 * `NON_FINITE_VALUE`), so that callers can refuse a batch before creating any output.
 */
export function assertXmlBatchSource({ values, sampleLength, ids }: XmlBatchSource): void {
  if (
    !Number.isSafeInteger(sampleLength) ||
    sampleLength < 1 ||
    ids.length < 1 ||
    values.length !== ids.length * sampleLength
  ) {
    throw new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      `Cannot write a batch of ${ids.length} samples × ${sampleLength} values from ${values.length} values.`,
      { count: ids.length, sampleLength, values: values.length },
    );
  }
  ids.forEach((id, sampleIndex) => {
    // The pattern also guarantees that ids need no XML escaping.
    if (!SAMPLE_ID_PATTERN.test(id)) {
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        `Sample ${sampleIndex} has an invalid id; ids are 1-128 characters from A-Z a-z 0-9 . _ : -.`,
        {
          sampleIndex,
        },
      );
    }
  });
  assertFiniteRows(values, sampleLength, (sampleIndex) => ids[sampleIndex] as string);
}
