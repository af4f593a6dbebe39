import { decimalDoubleFallbackCount, parseDecimalDouble } from '../../../src/codec/xml/decimal-double';
import { readSampleValues } from '../../../src/codec/xml/sample-values';
import { prng } from '../../support/prng';

const bits = new DataView(new ArrayBuffer(8));

function doubleFromBits(high: number, low: number): number {
  bits.setUint32(0, high >>> 0);
  bits.setUint32(4, low >>> 0);
  return bits.getFloat64(0);
}

/**
 * Parses every string, alone and embedded between digits (so reading past `end` or before `start` would show), and
 * returns how many were checked and the first that differs from Number(), described, or null.
 */
function compareWithNumber(strings: Iterable<string>): { checked: number; mismatch: string | null } {
  let checked = 0;
  for (const s of strings) {
    const expected = Number(s);
    const alone = parseDecimalDouble(s, 0, s.length);
    const embedded = parseDecimalDouble(`7${s}5`, 1, s.length + 1);
    checked++;
    if (!Object.is(alone, expected) || !Object.is(embedded, expected)) {
      return {
        checked,
        mismatch: `${JSON.stringify(s)}: parsed ${alone} (embedded ${embedded}), Number() ${expected}`,
      };
    }
  }
  return { checked, mismatch: null };
}

function expectAllExact(strings: readonly string[]): void {
  const { checked, mismatch } = compareWithNumber(strings);
  expect(mismatch).toBeNull();
  expect(checked).toBe(strings.length);
}

function times<T>(count: number, make: (k: number) => T): T[] {
  return Array.from({ length: count }, (_, k) => make(k));
}

/** Finite doubles from uniformly random 64-bit patterns: every exponent equally likely, subnormals and -0 included. */
function randomDoubles(count: number, seed: number, exponentBits?: number): number[] {
  const next = prng(seed);
  const out: number[] = [];
  while (out.length < count) {
    let high = next();
    if (exponentBits !== undefined) high = (high & 0x800fffff) | (exponentBits << 20);
    const x = doubleFromBits(high, next());
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

const POW5: bigint[] = [1n];
for (let k = 1; k <= 1076; k++) POW5.push(POW5[k - 1]! * 5n);

/** The exact decimal value of (a + nextUp(a)) / 2 for a finite a > 0, as digits × 10^exponent (no trailing cut). */
function exactMidpoint(a: number): { digits: bigint; exponent: number } {
  bits.setFloat64(0, a);
  const high = bits.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  if (biased > 0) mantissa |= 1n << 52n;
  const binaryExponent = (biased > 0 ? biased : 1) - 1075 - 1;
  const odd = 2n * mantissa + 1n;
  if (binaryExponent >= 0) return { digits: odd << BigInt(binaryExponent), exponent: 0 };
  return { digits: odd * POW5[-binaryExponent]!, exponent: binaryExponent };
}

function spell(digits: string, exponent: number): string {
  return `${digits}e${exponent}`;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
const pow = (base: bigint, k: number): bigint => base ** BigInt(Math.max(k, 0));

/**
 * Significands s in [s0, s1) that put s × 10^q as close as they can get to an odd multiple of 2^step (a rounding
 * midpoint when 2^step is half the spacing of doubles there): odd multiples of the denominators of the continued
 * fraction convergents of 10^q / 2^step. The best come within about 2^-110 of a midpoint, relative: the inputs that
 * show whether the double-double error bound is honest.
 */
function nearMidpointSignificands(q: number, step: number, s0: bigint, s1: bigint): bigint[] {
  let numerator = pow(10n, q) * pow(2n, -step);
  let denominator = pow(10n, -q) * pow(2n, step);
  let [p2, p1, k2, k1] = [0n, 1n, 1n, 0n];
  const out: bigint[] = [];
  while (denominator !== 0n) {
    const a = numerator / denominator;
    [numerator, denominator] = [denominator, numerator - a * denominator];
    [p2, p1, k2, k1] = [p1, a * p1 + p2, k1, a * k1 + k2];
    if (k1 >= s1) break;
    if (k1 === 0n) continue;
    let t = ceilDiv(s0, k1);
    if (t % 2n === 0n) t += 1n;
    if (t * k1 < s1 && (t * p1) % 2n === 1n) out.push(t * k1);
  }
  return out;
}

describe('parseDecimalDouble', () => {
  it('reads String(x) of random doubles over the whole exponent range, -0 and subnormals included', () => {
    const values = [
      ...randomDoubles(120_000, 1),
      ...randomDoubles(20_000, 2, 0),
      -0,
      0,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
    ];
    expectAllExact(values.map(String));
  });

  it('reads Math.random()-like values and sensor readings with 3 to 6 decimals', () => {
    const next = prng(3);
    const unit = () => next() / 2 ** 32 + next() / 2 ** 64;
    const strings = times(40_000, () => String(unit() * 2 - 1));
    for (let k = 0; k < 60_000; k++) {
      const decimals = 3 + (k % 4);
      const reading = (unit() * 2 - 1) * 10 ** (k % 5);
      strings.push(reading.toFixed(decimals), String(Math.round(reading * 10 ** decimals) / 10 ** decimals));
    }
    expectAllExact(strings);
  });

  it('reads random digit strings with a sign, a point anywhere and exponents from -350 to +330 in every form', () => {
    const next = prng(4);
    const pick = <T>(options: readonly T[]): T => options[next() % options.length]!;
    const exponentRanges: readonly [number, number][] = [
      [0, 25],
      [280, 330],
      [300, 350],
      [0, 350],
    ];
    const strings = times(100_000, () => {
      const length = 1 + (next() % 30);
      const style = next() % 4; // uniform digits, mostly 0, mostly 9, leading zeros
      let digits = '';
      for (let d = 0; d < length; d++) {
        const r = next() % 10;
        digits +=
          style === 1 && r < 7 ? '0' : style === 2 && r < 7 ? '9' : style === 3 && d < length / 2 ? '0' : String(r);
      }
      const point = next() % (length + 2);
      const mantissa = point > length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
      let exponent = '';
      if (next() % 4 !== 0) {
        const [low, high] = pick(exponentRanges);
        const value = low + (next() % (high - low + 1));
        const sign = value === 0 ? pick(['', '+', '-']) : pick(['', '+', '-', '-']);
        exponent = `${pick(['e', 'E'])}${sign}${'0'.repeat(next() % 4)}${value}`;
      }
      return `${pick(['', '', '+', '-'])}${mantissa}${exponent}`;
    });
    expectAllExact(strings);
  });

  it('reads exact midpoints between neighbouring doubles, one unit off them, and their long expansions cut short', () => {
    const next = prng(5);
    const neighbours = [
      ...randomDoubles(1_500, 6).map(Math.abs),
      ...randomDoubles(300, 7, 0).map(Math.abs),
      ...times(300, () => Math.abs(doubleFromBits(0x43400000 + (next() % 0x300000), next()))), // 2^53 … 2^64: short midpoints
      ...times(300, () => Math.abs(doubleFromBits(0x43000000 + (next() % 0x400000), next()))), // 2^49 … 2^53: x.5, x.25, …
      ...times(100, () => Math.abs(doubleFromBits(next() % 0x200000, next()))), // near the subnormal boundary
      Number.MAX_VALUE,
      2 ** -1022,
      2 ** -1022 - Number.MIN_VALUE,
      0,
      1,
      2 ** 53,
    ].filter((a) => a < Number.POSITIVE_INFINITY);
    const strings: string[] = [];
    for (const a of neighbours) {
      const { digits, exponent } = exactMidpoint(a);
      const text = digits.toString();
      strings.push(
        spell(text, exponent),
        spell((digits + 1n).toString(), exponent),
        spell((digits - 1n).toString(), exponent),
      );
      for (const cut of [17, 18, 19, 20, 21 + (next() % 5)]) {
        if (cut >= text.length) continue;
        const head = BigInt(text.slice(0, cut));
        const shift = exponent + text.length - cut;
        strings.push(spell(head.toString(), shift), spell((head + 1n).toString(), shift));
      }
    }
    expect(strings.length).toBeGreaterThan(12_000);
    expectAllExact(strings);
  });

  it('reads 19-digit values within a hair of a rounding midpoint, normal and subnormal', () => {
    const strings: string[] = [];
    const limit = 10n ** 19n;
    for (let q = -342; q <= 290; q++) {
      // Normal: s in [s0, 2 s0) keeps s × 10^q in one binade [2^(e+52), 2^(e+53)), whose midpoints are 2^(e-1) apart.
      const e = Math.ceil((18 + q) * Math.log2(10)) - 52;
      let significands: bigint[] = [];
      if (e + 52 >= -1022) {
        const s0 = ceilDiv(pow(2n, e + 52) * pow(10n, -q), pow(2n, -(e + 52)) * pow(10n, q));
        if (2n * s0 <= limit) significands = nearMidpointSignificands(q, e - 1, s0, 2n * s0);
      } else {
        // Subnormal: below 2^-1022 the midpoints are the odd multiples of 2^-1075.
        const bound = ceilDiv(pow(10n, -q), 2n ** 1022n);
        const s1 = bound < limit ? bound : limit;
        significands = nearMidpointSignificands(q, -1075, s1 / 10n, s1);
      }
      for (const s of significands) strings.push(`${s - 1n}e${q}`, `${s}e${q}`, `-${s + 1n}E${q}`);
    }
    expect(strings.length).toBeGreaterThan(30_000);
    expectAllExact(strings);
  });

  it('reads short significands with exponents from 10^23 to 10^44, where the fast path must stay exact', () => {
    const next = prng(13);
    const strings = times(20_000, (k) => {
      const significand = (next() * 2 ** 21 + (next() >>> 11)) % 10 ** (10 + (k % 6));
      return `${significand}e${23 + (next() % 22)}`;
    });
    expectAllExact(strings);
  });

  it('reads the classic hard cases', () => {
    expectAllExact([
      '9007199254740993',
      '9007199254740995',
      '2.2250738585072011e-308',
      '2.2250738585072012e-308',
      '4.9e-324',
      '2.4703282292062327e-324',
      '2.4703282292062328e-324',
      '1.7976931348623157e308',
      '1.7976931348623158e308',
      '1.7976931348623159e308',
      '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999',
      '0.1',
      '0.3',
      '1e23',
      '8.41e21',
      '5e-324',
      '1e-400',
      '1e400',
      '-1e400',
      '0e999999999',
      '1e-99999999999',
      '000000123.4500000',
      '.5',
      '5.',
      '+.5',
      '-0',
      '-0.0e10',
      '1e308',
      '1e309',
      '1e-323',
      '1e-324',
      '3e-324',
      '2.225073858507201e-308',
      '2.2250738585072014e-308',
      '123456789012345678',
      '1234567890123456789',
      '12345678901234567890',
      '9999999999999999999',
      '10000000000000000000',
      '0.000000000000000000000000000001',
      '1' + '0'.repeat(400) + 'e-400',
      '0.' + '0'.repeat(400) + '1e400',
      '1e22',
      '1e44',
      '123e20',
      '9007199254740991e22',
      '0.' + '0'.repeat(20_000) + '1e20005',
      '1' + '0'.repeat(20_000) + 'e-20000',
      '4503599627370497.5',
      '4503599627370496.5',
    ]);
  });

  it('returns NaN for malformed literals, as Number() does', () => {
    const malformed = [
      '.',
      'e5',
      '1e',
      '1e+',
      '+-1',
      '1.2.3',
      '-',
      '+',
      '1-2',
      '1e5.5',
      '--1',
      '.e1',
      '-.',
      '1e-',
      '1e+-5',
      '1ee5',
      '+e',
      '1.e',
    ];
    for (const s of malformed) expect(Number.isNaN(Number(s))).toBe(true);
    expectAllExact(malformed);
  });

  it('returns NaN for any character outside 0-9 . e E + -, wherever it sits, and reads no further than it', () => {
    const next = prng(14);
    const foreign = [
      ' ',
      '\t',
      '\n',
      '\r',
      '\u00a0',
      'x',
      'Infinity',
      '0x1F',
      '_',
      ',',
      '\u0661',
      '\u0000',
      'NaN',
      'i',
    ];
    const texts = randomDoubles(2_000, 15).map((x) => {
      const s = String(x);
      const at = next() % (s.length + 1);
      return `${s.slice(0, at)}${foreign[next() % foreign.length]}${s.slice(at)}`;
    });
    const readAsNumber = texts.find((text) => !Number.isNaN(parseDecimalDouble(text, 0, text.length)));
    expect(readAsNumber).toBeUndefined();
    // A range running past the end of a token: the first space stops the parser, whatever follows it.
    expect(parseDecimalDouble('1.5 2', 0, 5)).toBeNaN();
    expect(parseDecimalDouble('1.5 2', 0, 3)).toBe(1.5);
    expect(parseDecimalDouble('7', 0, 0)).toBe(Number(''));
  });

  it('agrees with Number() on every string of up to 4 characters of 0-9 . e E + - and of 5 of a reduced alphabet', () => {
    const strings: string[] = [];
    const enumerate = (alphabet: string, prefix: string, length: number): void => {
      if (prefix.length > 0) strings.push(prefix);
      if (prefix.length < length) for (const c of alphabet) enumerate(alphabet, prefix + c, length);
    };
    enumerate('0123456789.eE+-', '', 4);
    enumerate('019.eE+-', '', 5);
    expect(strings.length).toBe(15 + 15 ** 2 + 15 ** 3 + 15 ** 4 + 8 + 8 ** 2 + 8 ** 3 + 8 ** 4 + 8 ** 5);
    expectAllExact(strings);
  });

  it('falls back to Number() for fewer than 0.1 % of shortest spellings of doubles and of sensor readings', () => {
    const next = prng(8);
    const sensor = times(50_000, (k) => String(Math.sin(k / 40) + (next() / 2 ** 32 - 0.5) * 0.05));
    for (const strings of [randomDoubles(100_000, 9).map(String), sensor]) {
      const before = decimalDoubleFallbackCount();
      expectAllExact(strings);
      // Each string is parsed twice (alone and embedded).
      expect((decimalDoubleFallbackCount() - before) / (2 * strings.length)).toBeLessThan(0.001);
    }
  });
});

describe('readSampleValues with parseDecimalDouble', () => {
  // Single spaces, as the writer emits (read by spaces to the end), and every XML space mixed in (which ends that).
  const separations: Record<string, readonly string[]> = {
    'single spaces': [' '],
    'mixed whitespace': [' ', ' ', '\n', ' ', '\t', '\r\n', '  ', ' \n\t'],
  };
  it.each([
    ['random doubles', 10, 'single spaces'],
    ['random doubles', 10, 'mixed whitespace'],
    ['sensor readings', 11, 'single spaces'],
    ['sensor readings', 11, 'mixed whitespace'],
    ['digit strings', 12, 'single spaces'],
    ['digit strings', 12, 'mixed whitespace'],
  ])('gives the same bits as Number() over the tokens: %s (seed %d), %s', (kind, seed, separation) => {
    const next = prng(seed);
    const tokens = times(5_000, (k) => {
      if (kind === 'random doubles') return String(randomDoubles(1, seed * 100_000 + k)[0]);
      if (kind === 'sensor readings') return ((next() / 2 ** 32) * 20 - 10).toFixed(3 + (k % 4));
      return `${next() % 2 ? '-' : ''}${next() % 1e9}.${next()}e${(next() % 640) - 350}`;
    });
    const separators = separations[separation]!;
    const text = `${tokens.map((t, k) => t + separators[k % separators.length]).join('')}\n`;
    const out = new Float64Array(tokens.length);
    const scan = readSampleValues(text, out, 0, tokens.length);
    expect(scan).toEqual({ count: tokens.length, firstNonFinite: -1, firstInvalid: -1, invalidToken: '' });
    expect(Buffer.from(out.buffer)).toEqual(Buffer.from(Float64Array.from(tokens, Number).buffer));
  });

  it('classifies invalid and non-finite tokens among numbers whatever separates them', () => {
    const tokens = ['1.5', '1e400', '2', 'NaN', '3', '1e', '4', '-INF', '0x10', '5'];
    for (const separator of [' ', '\n', '\t ', ' \r\n', '  ']) {
      const out = new Float64Array(tokens.length);
      const scan = readSampleValues(tokens.join(separator), out, 0, tokens.length);
      expect(scan).toEqual({ count: 10, firstNonFinite: 1, firstInvalid: 5, invalidToken: '1e' });
      expect(Array.from(out)).toEqual([1.5, Infinity, 2, NaN, 3, NaN, 4, NaN, NaN, 5]);
    }
  });
});
