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
 * Each finite value is exactly `Number(token)`. Number() alone is laxer than xs:double (it trims Unicode spaces
 * and reads `0x1F`, `Infinity`), and libxml's xs:double check is laxer than XSD in other places (it accepts `1e`
 * and `1e+`), so a token counts as a number only if it uses the characters `0-9 . e E + -` and Number() reads it:
 * over that alphabet both grammars coincide. The decoder thus does not depend on the schema check for values.
 * Tokens are split on XML whitespace only (space, tab, CR, LF).
 */
export function readSampleValues(text: string, out: Float64Array, offset: number, capacity: number): SampleValuesScan {
  let count = 0;
  let firstNonFinite = -1;
  let firstInvalid = -1;
  let invalidToken = '';
  const length = text.length;
  let i = 0;
  for (;;) {
    while (i < length && isXmlSpace(text.charCodeAt(i))) i++;
    if (i >= length) break;
    const start = i;
    let numeric = true;
    for (; i < length; i++) {
      const code = text.charCodeAt(i);
      if (isXmlSpace(code)) break;
      if (numeric && !isNumberChar(code)) numeric = false;
    }
    const token = text.slice(start, i);
    const value = numeric ? Number(token) : NaN;
    if (value - value !== 0) {
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

/** `0-9 . e E + -`: the whole alphabet of finite xs:double literals. */
function isNumberChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;
}
