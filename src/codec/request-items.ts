import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import { emptyBatchError, tooManySamplesError } from './batch-errors';
import { SAMPLE_ID_PATTERN } from './xml/xml-batch-contract';

/**
 * The checks every request of items sent one by one (texts, images) shares before its items are read: at least one,
 * at most `maxItems`. `noun` names them in the message (`texts`, `images`).
 * @throws GatewayError `EMPTY_BATCH` or `TOO_MANY_SAMPLES`
 */
export function checkItemCount(count: number, maxItems: number, noun: string): void {
  if (count === 0) throw emptyBatchError(`The request contains no ${noun}.`);
  if (count > maxItems) throw tooManySamplesError(maxItems, count);
}

/**
 * Item `index`'s sample id: the one its client gave, held to the XML contract's id pattern (so that it is safe to
 * echo), else its index. `Noun` names the item in the message (`Text`, `Image`).
 * @throws GatewayError `BAD_USER_INPUT`
 */
export function itemSampleId(id: string | null | undefined, index: number, Noun: string): string {
  const sampleId = id ?? String(index);
  if (!SAMPLE_ID_PATTERN.test(sampleId))
    throw new GatewayError(ErrorCode.BAD_USER_INPUT, `${Noun} ${index}: an id is 1 to 128 of A-Z a-z 0-9 . _ : -.`, {
      index,
    });
  return sampleId;
}
