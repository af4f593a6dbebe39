import {
  MAX_DECIMAL_EXPONENT,
  MIN_DECIMAL_EXPONENT,
  POW10_HI,
  POW10_HI_HEAD,
  POW10_HI_TAIL,
  POW10_LO,
  POW10_SCALE,
} from './decimal-powers';

/** 10^0 … 10^22: every one is an exact double, which is what makes Clinger's fast path a single rounding. */
const EXACT_POW10 = new Float64Array(23).map((_, k) => Number(`1e${k}`));

const TWO_POW_53 = 9007199254740992;
/** Veltkamp's splitter 2^27 + 1: cuts a double into two halves whose products are exact (JavaScript has no FMA). */
const SPLITTER = 134217729;
const MIN_NORMAL = 2.2250738585072014e-308;
/** 2^1022, the inverse of the scale that every subnormal result shares. */
const TWO_POW_1022 = 4.49423283715579e307;
/** Half the subnormal spacing once divided by that scale, and far more than the error of a residual there (m < 1). */
const HALF_SUBNORMAL_STEP = 2 ** -53;
const SUBNORMAL_ERROR = 2 ** -96;
/**
 * The double-double product is within 2^-102 of the exact one, relative (about ten roundings of at most 2^-106
 * each, table included); 16 times that leaves room for the rounding of `mLo ± bound` itself, and test inputs built
 * to lie within 2^-110 of a midpoint show 2^-106 to be too small.
 */
const RELATIVE_ERROR = 2 ** -98;

let fallbacks = 0;

/**
 * Reads the decimal literal `text[start, end)` and returns exactly what `Number(text.slice(start, end))` returns,
 * bit for bit, without building that string: NaN if it is not `[+-]? (digits ('.' digits?)? | '.' digits)
 * ([eE] [+-]? digits)?`, ±Infinity on overflow, ±0 on underflow, subnormals correctly rounded.
 *
 * That is Number()'s grammar over the characters `0-9 . e E + -`. Any other character gives NaN, where Number()
 * may not (it trims spaces and reads `0x1F`, `Infinity`): the parser never reads past the first such character, so
 * a caller may pass a range that runs past the end of its token and treat NaN as "look closer".
 *
 * Up to 19 significant digits are read as an exact integer; the value is then either one correctly rounded
 * operation (Clinger's fast path) or a double-double product with a known error bound, rounded only when no rounding
 * boundary lies within that bound. The rare rest — more than 19 significant digits, or a value within about 2^-98
 * of a rounding boundary — goes to `Number()` itself (see {@link decimalDoubleFallbackCount}).
 */
export function parseDecimalDouble(text: string, start: number, end: number): number {
  if (start >= end) return 0; // Number('') is 0, odd as it is.
  let i = start;
  let code = text.charCodeAt(i);
  const negative = code === 0x2d;
  if (negative || code === 0x2b) i++;

  // Leading zeros, on either side of the point, only move the point.
  const mantissaStart = i;
  let point = -1;
  for (; i < end; i++) {
    code = text.charCodeAt(i);
    if (code === 0x2e && point < 0) point = i;
    else if (code !== 0x30) break;
  }
  // The first 19 significant digits, as int32 groups of 8, 8 and 3 digits: short dependency chains, no rounding.
  let groups = 0;
  let group1 = 0;
  let group2 = 0;
  let acc = 0;
  let accDigits = 0;
  let digit = 0;
  for (;;) {
    const room = (groups < 2 ? 8 : 3) - accDigits;
    const stop = end - i < room ? end : i + room;
    const runStart = i;
    for (; i < stop; i++) {
      digit = text.charCodeAt(i) - 0x30;
      if (digit >>> 0 > 9) break;
      acc = acc * 10 + digit;
    }
    accDigits += i - runStart;
    if (i === stop && accDigits === (groups < 2 ? 8 : 3)) {
      if (++groups === 3) break;
      if (groups === 1) group1 = acc;
      else group2 = acc;
      acc = 0;
      accDigits = 0;
    } else if (i < end && digit === 0x2e - 0x30 && point < 0) point = i++;
    else break;
  }
  const keptEnd = i;
  // Beyond 19 digits: a nonzero one makes s inexact (Number() decides); integer digits still scale the value.
  let dropped = false;
  if (groups === 3) {
    for (; i < end; i++) {
      code = text.charCodeAt(i);
      if (code === 0x2e && point < 0) point = i;
      else if (code > 0x30 && code <= 0x39) dropped = true;
      else if (code !== 0x30) break;
    }
  }
  if (i - mantissaStart === (point < 0 ? 0 : 1)) return NaN; // no digit at all
  const mantissaEnd = i;
  // The value is s × 10^exp10: s's last digit sits just before keptEnd.
  let exp10 = point >= 0 && point < keptEnd ? point + 1 - keptEnd : (point < 0 ? mantissaEnd : point) - keptEnd;

  if (i < end) {
    code = text.charCodeAt(i++);
    if (code !== 0x65 && code !== 0x45) return NaN;
    code = i < end ? text.charCodeAt(i) : 0;
    const negativeExponent = code === 0x2d;
    if (negativeExponent || code === 0x2b) i++;
    if (i === end) return NaN;
    // Saturates far beyond any digit count a string can hold, so that the sum with exp10 keeps its sign.
    let exponent = 0;
    for (; i < end; i++) {
      digit = text.charCodeAt(i) - 0x30;
      if (digit >>> 0 > 9) return NaN;
      if (exponent < 1e10) exponent = exponent * 10 + digit;
    }
    exp10 += negativeExponent ? -exponent : exponent;
  }

  if (groups === 0 && acc === 0) return negative ? -0 : 0;
  if (exp10 > MAX_DECIMAL_EXPONENT) return negative ? -Infinity : Infinity;
  if (exp10 < MIN_DECIMAL_EXPONENT) return negative ? -0 : 0;
  if (dropped) return fallBack(text, start, end);

  // s as an exact double-double sh + sl. Up to 15 digits it is one exact double; beyond, group1 × 10^(8 + r) is
  // exact too (group1 × 5^11 < 2^53) and the rest is below 10^11, so one error-free sum splits it.
  let sh = acc;
  let sl = 0;
  if (groups === 1) sh = group1 * EXACT_POW10[accDigits]! + acc;
  else if (groups > 1) {
    const rest = group2 * EXACT_POW10[accDigits]! + acc;
    const head = group1 * EXACT_POW10[8 + accDigits]!;
    sh = head + rest;
    sl = rest - (sh - head);
  }

  if (sl === 0 && sh < TWO_POW_53) {
    if (exp10 < 0) {
      if (exp10 >= -22) return signed(negative, sh / EXACT_POW10[-exp10]!);
    } else if (exp10 <= 22) return signed(negative, sh * EXACT_POW10[exp10]!);
    else if (exp10 <= 22 + 22) {
      // Digits beyond 10^22 that s can absorb exactly: still a single rounding.
      const exact = sh * EXACT_POW10[exp10 - 22]!;
      if (exact < TWO_POW_53) return signed(negative, exact * 1e22);
    }
  }

  // m = s × (hi + lo) in double-double: Dekker's exact sh × hi, plus the cross terms (sl × lo is below the bound).
  const index = exp10 - MIN_DECIMAL_EXPONENT;
  const powHi = POW10_HI[index]!;
  const powHead = POW10_HI_HEAD[index]!;
  const powTail = POW10_HI_TAIL[index]!;
  const cut = sh * SPLITTER;
  const shHead = cut - (cut - sh);
  const shTail = sh - shHead;
  const product = sh * powHi;
  const productError = shHead * powHead - product + shHead * powTail + shTail * powHead + shTail * powTail;
  const tail = productError + (sh * POW10_LO[index]! + sl * powHi);
  const mHi = product + tail;
  const mLo = tail - (mHi - product);
  const scale = POW10_SCALE[index]!;

  // For 0 ≤ exp10 ≤ 10 the power is exact (lo = 0) and every step above is exact too, so mHi is s × 10^exp10
  // rounded once, ties to even: this decides the large integers whose shortest spelling is a rounding midpoint.
  if (exp10 >= 0 && exp10 <= 10) return signed(negative, mHi * scale);
  if (scale > MIN_NORMAL || mHi >= 1) {
    // Normal (or overflowing) result: mHi is m rounded to 53 bits; it is the answer if every value within the error
    // bound of m rounds to it too (rounding is monotonic, so checking both ends suffices). Scaling is then exact.
    const bound = mHi * RELATIVE_ERROR;
    if (mHi + (mLo - bound) === mHi && mHi + (mLo + bound) === mHi) return signed(negative, mHi * scale);
  } else {
    // Subnormal result (scale is 2^-1022, the grid step 2^-52 in units of m): the multiplication rounds mHi onto the
    // grid, but mHi may sit on a midpoint of it, so m itself decides: its distance from the candidate must be clearly
    // below half a step (the candidate) or clearly above (the neighbour on that side).
    const candidate = mHi * MIN_NORMAL;
    const residual = mHi - candidate * TWO_POW_1022 + mLo;
    const beyondHalfStep = Math.abs(residual) - HALF_SUBNORMAL_STEP;
    if (beyondHalfStep < -SUBNORMAL_ERROR) return signed(negative, candidate);
    if (beyondHalfStep > SUBNORMAL_ERROR) {
      return signed(negative, residual > 0 ? candidate + Number.MIN_VALUE : candidate - Number.MIN_VALUE);
    }
  }
  return fallBack(text, start, end);
}

/** How many calls so far could not be decided exactly here and went to `Number()`; for tests and benchmarks. */
export function decimalDoubleFallbackCount(): number {
  return fallbacks;
}

function signed(negative: boolean, magnitude: number): number {
  return negative ? -magnitude : magnitude;
}

function fallBack(text: string, start: number, end: number): number {
  fallbacks++;
  return Number(text.slice(start, end));
}
