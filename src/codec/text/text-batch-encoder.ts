import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { sharedFloat64Array } from '../../lib/worker-thread';
import { checkItemCount, itemSampleId } from '../request-items';
import type { SignalBatch } from '../signal-batch';
import { wordTokens } from './words-tokenizer';

/** How a version turns text into ids (its manifest's `input.text`). */
export interface TextPreprocessing {
  /** Ids per text: longer ones are cut, shorter ones padded. */
  readonly maxLength: number;
  readonly padId: number;
  readonly unknownId: number;
  /** Longest text accepted, in code points. */
  readonly maxChars: number;
}

/** One text of a request, with the id the client gives it (default: its index). */
export interface TextItem {
  readonly id?: string | null;
  readonly text: string;
}

/**
 * C0 and C1 control characters other than tab, line feed and carriage return, and lone surrogates (a JSON string
 * may escape one, which is no Unicode text): such a text is refused rather than silently cleaned.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what it is for.
const INVALID_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\p{Cs}/u;

/**
 * Turns a request's texts into a batch of token ids for one version: each text checked (not empty, not too long,
 * no control character), tokenised (`infergraph-words-1`), looked up in the version's vocabulary (unknown tokens get
 * `unknownId`), cut or padded to `maxLength`. The ids are float64 values in shared memory, as every batch is; the
 * backend hands them to the model as the integers its input takes.
 */
export class TextBatchEncoder {
  private readonly index: ReadonlyMap<string, number>;

  /** @param vocabulary token per id, as the version's vocabulary file lists them */
  constructor(
    vocabulary: readonly string[],
    private readonly options: TextPreprocessing,
  ) {
    this.index = new Map(vocabulary.map((token, id) => [token, id]));
  }

  /** @throws GatewayError `EMPTY_BATCH`, `TOO_MANY_SAMPLES`, `BAD_USER_INPUT` (an id), `TEXT_EMPTY`, `TEXT_TOO_LONG`, `TEXT_INVALID` */
  encode(items: readonly TextItem[], maxItems: number): SignalBatch {
    checkItemCount(items.length, maxItems, 'texts');
    const { maxLength, padId, unknownId } = this.options;
    const values = sharedFloat64Array(items.length * maxLength);
    const ids = items.map((item, i) => {
      const id = itemSampleId(item.id, i, 'Text');
      this.check(item.text, i, id);
      const tokens = wordTokens(item.text).slice(0, maxLength);
      const row = values.subarray(i * maxLength, (i + 1) * maxLength);
      row.fill(padId);
      tokens.forEach((token, t) => (row[t] = this.index.get(token) ?? unknownId));
      return id;
    });
    return { format: 'text', ids, count: items.length, sampleLength: maxLength, values };
  }

  private check(text: string, index: number, id: string): void {
    const details = { index, id };
    if (text.trim().length === 0)
      throw new GatewayError(ErrorCode.TEXT_EMPTY, `Text ${index} (id "${id}") is empty.`, details);
    const chars = [...text].length;
    if (chars > this.options.maxChars)
      throw new GatewayError(
        ErrorCode.TEXT_TOO_LONG,
        `Text ${index} (id "${id}") has ${chars} characters; this model takes at most ${this.options.maxChars}.`,
        { ...details, limit: this.options.maxChars, actual: chars },
      );
    if (INVALID_CHARACTER.test(text))
      throw new GatewayError(
        ErrorCode.TEXT_INVALID,
        `Text ${index} (id "${id}") contains a control character or a lone surrogate.`,
        details,
      );
  }
}

/**
 * Reads a vocabulary file: a JSON array of distinct tokens, id = index, long enough for the padding and unknown ids.
 * @throws Error naming the problem (a load failure, shown to operators)
 */
export function parseVocabulary(json: string, options: Pick<TextPreprocessing, 'padId' | 'unknownId'>): string[] {
  const tokens: unknown = JSON.parse(json);
  if (!Array.isArray(tokens) || !tokens.every((t): t is string => typeof t === 'string'))
    throw new Error('the vocabulary is not a JSON array of strings');
  if (new Set(tokens).size !== tokens.length) throw new Error('the vocabulary lists a token twice');
  const largest = Math.max(options.padId, options.unknownId);
  if (tokens.length <= largest)
    throw new Error(
      `the vocabulary has ${tokens.length} tokens, too few for ids ${options.padId} and ${options.unknownId}`,
    );
  return tokens;
}
