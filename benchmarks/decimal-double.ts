/**
 * Sample-value decoding: the allocation-free decimal parser against `slice` + `Number()` (issue #6, open item
 * "allocation-free number decoder").
 *
 *   npx ts-node --transpile-only benchmarks/decimal-double.ts [--rounds 15]
 *
 * Builds two 32-record batches of 5000 values each as the XML decoder sees them (one whitespace-separated text per
 * record, every token `String(x)` of a float64): ECG-like values (a sum of sines plus noise) and doubles from random
 * 64-bit patterns. Times, in the same process and alternately, the former reader (tokens sliced out and read with
 * Number()) and `readSampleValues` with `parseDecimalDouble`, after warm-up, and prints values/s (median of the
 * rounds) and their ratio. Then counts how often the parser had to fall back to Number() on 10^6 values of each
 * kind. Figures only, no assertions.
 */
import { performance } from 'node:perf_hooks';
import { decimalDoubleFallbackCount, parseDecimalDouble } from '../src/codec/xml/decimal-double';
import { readSampleValues } from '../src/codec/xml/sample-values';
import { prng } from '../test/support/prng';

const RECORDS = 32;
const VALUES_PER_RECORD = 5000;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

/** Uniform in [0, 1), seeded so that every run decodes the same texts. */
function unitRandom(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 2 ** 32;
}

/** 500 Hz ECG-like signal in mV: baseline wander, a heartbeat-ish harmonic series, mains hum and Gaussian noise. */
function ecgValues(count: number, seed: number): number[] {
  const random = unitRandom(seed);
  const heart = 1 + random() * 0.6;
  return Array.from({ length: count }, (_, i) => {
    const t = i / 500;
    const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return (
      0.15 * Math.sin(2 * Math.PI * 0.3 * t) +
      1.1 * Math.sin(2 * Math.PI * heart * t) ** 15 +
      0.2 * Math.sin(2 * Math.PI * 2 * heart * t + 0.4) +
      0.03 * Math.sin(2 * Math.PI * 50 * t) +
      0.02 * noise
    );
  });
}

/** Finite doubles from uniformly random 64-bit patterns: every exponent alike, subnormals included. */
function randomDoubles(count: number, seed: number): number[] {
  const random = unitRandom(seed);
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  while (out.length < count) {
    view.setUint32(0, random() * 2 ** 32);
    view.setUint32(4, random() * 2 ** 32);
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

/** The reader as it was before the parser: one string per token, read by Number(). */
function readWithSlice(text: string, out: Float64Array): number {
  let count = 0;
  let i = 0;
  const length = text.length;
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
    out[count++] = numeric ? Number(token) : NaN;
  }
  return count;
}

function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

function isNumberChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d
  );
}

type Decoder = (texts: readonly string[], out: Float64Array) => void;

const oldWay: Decoder = (texts, out) => {
  for (const text of texts) readWithSlice(text, out);
};
const newWay: Decoder = (texts, out) => {
  for (const text of texts) readSampleValues(text, out, 0, VALUES_PER_RECORD);
};

function valuesPerSecond(decode: Decoder, texts: readonly string[], out: Float64Array): number {
  const started = performance.now();
  decode(texts, out);
  return (texts.length * VALUES_PER_RECORD) / ((performance.now() - started) / 1000);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Fallbacks to Number() while reading back String(x) of each value (and a check that each comes back exactly). */
function fallbacksOn(values: readonly number[]): number {
  const before = decimalDoubleFallbackCount();
  for (const x of values) {
    const s = String(x);
    if (!Object.is(parseDecimalDouble(s, 0, s.length), x)) throw new Error(`${s} did not round-trip`);
  }
  return decimalDoubleFallbackCount() - before;
}

function main(): void {
  const rounds = argument('rounds', 15);
  const batches: [string, number[][]][] = [
    ['ECG-like', Array.from({ length: RECORDS }, (_, r) => ecgValues(VALUES_PER_RECORD, r + 1))],
    ['random doubles', Array.from({ length: RECORDS }, (_, r) => randomDoubles(VALUES_PER_RECORD, 1000 + r))],
  ];
  const out = new Float64Array(VALUES_PER_RECORD);
  console.log(
    `node ${process.version}, ${RECORDS} × ${VALUES_PER_RECORD} values per batch, ${rounds} rounds after warm-up`,
  );
  for (const [name, records] of batches) {
    const texts = records.map((values) => values.map(String).join(' '));
    const characters = texts.reduce((sum, text) => sum + text.length, 0);
    for (let warm = 0; warm < 5; warm++) {
      oldWay(texts, out);
      newWay(texts, out);
    }
    const old: number[] = [];
    const fresh: number[] = [];
    for (let round = 0; round < rounds; round++) {
      old.push(valuesPerSecond(oldWay, texts, out));
      fresh.push(valuesPerSecond(newWay, texts, out));
    }
    const before = decimalDoubleFallbackCount();
    newWay(texts, out);
    const fallbacks = decimalDoubleFallbackCount() - before;
    const [o, n] = [median(old), median(fresh)];
    console.log(
      `${name.padEnd(15)} ${(characters / (RECORDS * VALUES_PER_RECORD)).toFixed(1)} chars/value | ` +
        `slice+Number ${(o / 1e6).toFixed(2)} M values/s | parseDecimalDouble ${(n / 1e6).toFixed(2)} M values/s | ` +
        `ratio ${(n / o).toFixed(2)}x | fallbacks ${fallbacks} / ${RECORDS * VALUES_PER_RECORD}`,
    );
  }
  const unit = unitRandom(7);
  const samples: [string, number[]][] = [
    ['random 64-bit patterns', randomDoubles(1e6, 99)],
    ['Math.random()*2-1', Array.from({ length: 1e6 }, () => unit() * 2 - 1 + unit() * 2 ** -32)],
    ['ECG-like', ecgValues(1e6, 77)],
  ];
  for (const [name, values] of samples) {
    const fallbacks = fallbacksOn(values);
    console.log(
      `fallback rate on 10^6 String(x), ${name}: ${fallbacks} (${((fallbacks / values.length) * 100).toFixed(4)} %)`,
    );
  }
}

main();
