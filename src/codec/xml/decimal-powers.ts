/**
 * Powers of ten as double-double values for {@link parseDecimalDouble}: `10^q = (hi + lo) × scale`, built once at
 * module load with BigInt (exact), so that decoding a value never allocates.
 *
 * `scale` is `2^E` with `E = floor(log2 10^q)`, which puts `hi + lo` in [1, 2) — except below 2^-1022, where `E` is
 * held at -1022 so that `scale` stays a normal double and a result that lands in the subnormal range is recognised
 * by `hi + lo` (times the significand) dropping below 1.
 *
 * @module
 */

/** The lowest q worth a table entry: below it, s × 10^q < 10^19 × 10^-343 rounds to zero for any 19-digit s. */
export const MIN_DECIMAL_EXPONENT = -342;
/** The highest q worth a table entry: above it, s × 10^q ≥ 10^309 overflows for any s ≥ 1. */
export const MAX_DECIMAL_EXPONENT = 308;

const SIZE = MAX_DECIMAL_EXPONENT - MIN_DECIMAL_EXPONENT + 1;

/** Leading part of the scaled power, indexed by `q - MIN_DECIMAL_EXPONENT`. */
export const POW10_HI = new Float64Array(SIZE);
/** Trailing part: `hi + lo` is within 2^-106 of the exact scaled power. */
export const POW10_LO = new Float64Array(SIZE);
/** `hi` split in two 26-bit halves (Veltkamp), kept so the hot path splits only the significand. */
export const POW10_HI_HEAD = new Float64Array(SIZE);
/** See {@link POW10_HI_HEAD}. */
export const POW10_HI_TAIL = new Float64Array(SIZE);
/** The power of two that was divided out; always a normal double. */
export const POW10_SCALE = new Float64Array(SIZE);

/** Fixed-point bits of the BigInt approximation; even the smallest held-at-2^-1022 entry keeps 125 of them. */
const FIXED_BITS = 240;

/** 2^k for an integer k in [-1022, 1023], built from BigInt so that no Math.pow accuracy question arises. */
function powerOfTwo(k: number): number {
  return k >= 0 ? Number(1n << BigInt(k)) : 1 / Number(1n << BigInt(-k));
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

function fill(): void {
  const unscale = powerOfTwo(-FIXED_BITS);
  for (let q = MIN_DECIMAL_EXPONENT; q <= MAX_DECIMAL_EXPONENT; q++) {
    let fixed: bigint;
    let exponent: number;
    if (q >= 0) {
      const n = 10n ** BigInt(q);
      exponent = bitLength(n) - 1;
      const shift = FIXED_BITS - exponent;
      fixed = shift >= 0 ? n << BigInt(shift) : ((n >> BigInt(-shift - 1)) + 1n) >> 1n;
    } else {
      // 10^q = 1/d lies strictly between 2^-L and 2^-(L-1) for d = 10^-q of L bits (d is no power of two).
      const d = 10n ** BigInt(-q);
      exponent = Math.max(-bitLength(d), -1022);
      const numerator = 1n << BigInt(FIXED_BITS - exponent);
      fixed = (2n * numerator + d) / (2n * d);
    }
    const head = Number(fixed);
    const hi = head * unscale;
    const lo = Number(fixed - BigInt(head)) * unscale;
    const split = hi * 134217729;
    const hiHead = split - (split - hi);
    const index = q - MIN_DECIMAL_EXPONENT;
    POW10_HI[index] = hi;
    POW10_LO[index] = lo;
    POW10_HI_HEAD[index] = hiHead;
    POW10_HI_TAIL[index] = hi - hiHead;
    POW10_SCALE[index] = powerOfTwo(exponent);
  }
}

fill();
