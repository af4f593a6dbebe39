import { parseDecimalDouble } from './decimal-double';

/** Outcome of reading one sample's text; see {@link readSampleValues}. */
export interface SampleValuesScan {
  /** Number of whitespace-separated tokens in the text. */
  readonly count: number;
  /** Index of the first NaN or ±infinite value (`NaN`, `INF`, `-INF`, or an overflow like `1e400`); -1 if none. */
  readonly firstNonFinite: number;
  /** Index of the first token that is not an xs:double at all; -1 if none. */
  readonly firstInvalid: number;
  /** That token, capped in length so that it can be echoed; empty when `firstInvalid` is -1. */
  readonly invalidToken: string;
}

/** The xs:double spellings of non-finite values (JavaScript's Number() reads none of them as intended). */
const NON_FINITE_TOKENS: ReadonlySet<string> = new Set(['NaN', 'INF', '-INF', '+INF']);

const MAX_ECHOED_TOKEN = 32;

/**
 * Reads the whitespace-separated numbers of a sample (an `xs:list` of `xs:double`) straight into `out`, starting
 * at `offset` and writing at most `capacity` values; later tokens are only counted and checked.
 *
 * Each finite value is exactly `Number(token)`, read in place by {@link parseDecimalDouble} (no string per value).
 * Number() alone is laxer than xs:double (it trims Unicode spaces and reads `0x1F`, `Infinity`), and libxml's
 * xs:double check is laxer than XSD in other places (it accepts `1e` and `1e+`), so a token counts as a number only
 * if it uses the characters `0-9 . e E + -` and Number() reads it: over that alphabet both grammars coincide. The
 * decoder thus does not depend on the schema check for values.
 * Tokens are split on XML whitespace only (space, tab, CR, LF).
 */
export function readSampleValues(text: string, out: Float64Array, offset: number, capacity: number): SampleValuesScan {
  let count = 0;
  let firstNonFinite = -1;
  let firstInvalid = -1;
  let invalidToken = '';
  const length = text.length;
  // While tokens end at single spaces (as the writer emits them), the end of each is found natively (indexOf, once
  // and reused until passed) instead of character by character; the first other separator ends that mode.
  let bySpaces = true;
  let nextSpace = -1;
  let i = 0;
  for (;;) {
    while (i < length && isXmlSpace(text.charCodeAt(i))) i++;
    if (i >= length) break;
    const start = i;
    let value = NaN;
    if (bySpaces) {
      if (nextSpace < i) {
        nextSpace = text.indexOf(' ', i);
        if (nextSpace === -1) nextSpace = length;
      }
      // The parser reads NaN for any character outside `0-9 . e E + -`, whitespace included: a number here is
      // exactly the whole token.
      value = parseDecimalDouble(text, start, nextSpace);
      i = nextSpace;
    }
    if (value !== value) {
      // Not a number, or (up to the next ' ') another XML space ends the token sooner: find its end the slow way.
      for (i = start; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code <= 0x20 && isXmlSpace(code)) break;
      }
      if (i < nextSpace) bySpaces = false;
      value = parseDecimalDouble(text, start, i);
    }
    if (value - value !== 0) {
      // Only the rare non-finite or invalid token needs its own string.
      const token = text.slice(start, i);
      if (value === value || NON_FINITE_TOKENS.has(token)) {
        if (firstNonFinite === -1) firstNonFinite = count;
      } else if (firstInvalid === -1) {
        firstInvalid = count;
        invalidToken = token.length > MAX_ECHOED_TOKEN ? `${token.slice(0, MAX_ECHOED_TOKEN)}…` : token;
      }
    }
    if (count < capacity) out[offset + count] = value;
    count++;
  }
  return { count, firstNonFinite, firstInvalid, invalidToken };
}

function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}
