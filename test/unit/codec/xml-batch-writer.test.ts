import { Writable } from 'node:stream';

import { createBatchCodec } from '../../../src/codec/batch-codec';
import {
  encodeXmlBatch,
  formatDouble,
  sequentialSampleIds,
  writeXmlBatch,
  xmlBatchChunks,
} from '../../../src/codec/xml/xml-batch-writer';
import { ErrorCode } from '../../../src/errors/error-code';
import { bitsOf, rejected, thrown, XSD_PATH } from './codec-helpers';

const codec = createBatchCodec({ xsdPath: XSD_PATH, maxXmlBytes: 10_000_000 });

/** Values that break naive formatting: rounding, subnormals, extremes, negative zero. */
const TRICKY = [
  0.1 + 0.2,
  1e-7,
  -0.046,
  5e-324,
  -5e-324,
  -0,
  0,
  1.7976931348623157e308,
  -2.2250738585072014e-308,
  2.2250738585072009e-308,
  Math.PI,
  1 / 3,
  2 ** 53 + 2,
  123456789.12345679,
  1e21,
  1e-21,
  0.000001,
  9.999999999999999e22,
  -1,
  4.35,
  100,
];

/** A deterministic pseudo-random double from any bit pattern (finite only). */
function randomDoubles(n: number, seed = 42): Float64Array {
  const out = new Float64Array(n);
  const bits = new BigUint64Array(out.buffer);
  let state = BigInt(seed);
  for (let i = 0; i < n; i++) {
    do {
      state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      bits[i] = state;
    } while (!Number.isFinite(out[i]));
  }
  return out;
}

describe('XML batch writer', () => {
  it('writes the documented format', () => {
    const xml = encodeXmlBatch({
      values: Float64Array.from([0.0123, -0.5, 0.0015, 2, -0, 1e21]),
      sampleLength: 3,
      ids: ['rec-001', 'rec-002'],
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<batch xmlns="urn:infergraph:batch:1">\n' +
        '  <sample id="rec-001">0.0123 -0.5 0.0015</sample>\n' +
        '  <sample id="rec-002">2 -0 1e+21</sample>\n' +
        '</batch>\n',
    );
  });

  it('is deterministic', () => {
    const source = { values: randomDoubles(600), sampleLength: 200, ids: sequentialSampleIds(3, 'r') };
    expect(encodeXmlBatch(source)).toBe(encodeXmlBatch({ ...source, values: Float64Array.from(source.values) }));
  });

  it('round-trips tricky values bit for bit through the real decoder', () => {
    const values = Float64Array.from(TRICKY);
    const xml = encodeXmlBatch({ values, sampleLength: TRICKY.length, ids: ['t'] });
    const batch = codec.decode(Buffer.from(xml), 't.xml', { sampleLength: TRICKY.length, maxSamples: 1 });
    expect(bitsOf(batch.values)).toEqual(bitsOf(values));
  });

  it('round-trips 20,000 random bit patterns bit for bit', () => {
    const values = randomDoubles(20_000);
    const xml = encodeXmlBatch({ values, sampleLength: 5000, ids: sequentialSampleIds(4, 'rec-') });
    const batch = codec.decode(Buffer.from(xml), undefined, { sampleLength: 5000, maxSamples: 4 });
    expect(bitsOf(batch.values)).toEqual(bitsOf(values));
    expect(batch.ids).toEqual(['rec-0000', 'rec-0001', 'rec-0002', 'rec-0003']);
  });

  it('formats -0 as "-0" (String(-0) is "0") and everything else as String()', () => {
    expect(formatDouble(-0)).toBe('-0');
    expect(formatDouble(0)).toBe('0');
    expect(formatDouble(5e-324)).toBe('5e-324');
    expect(formatDouble(0.1 + 0.2)).toBe('0.30000000000000004');
  });

  it.each([
    ['NaN', NaN, 1],
    ['Infinity', Infinity, 0],
    ['-Infinity', -Infinity, 2],
  ])('refuses %s with NON_FINITE_VALUE before producing any output', (_name, bad, valueIndex) => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6]);
    values[3 + valueIndex] = bad;
    const chunks = xmlBatchChunks({ values, sampleLength: 3, ids: ['a', 'b'] });
    const error = thrown(() => chunks.next());
    expect(error).toMatchObject({
      code: ErrorCode.NON_FINITE_VALUE,
      details: { sampleIndex: 1, sampleId: 'b', valueIndex },
    });
  });

  it.each([
    ['a space', 'a b'],
    ['markup', '"><x'],
    ['no characters', ''],
    ['129 characters', 'a'.repeat(129)],
  ])('refuses an id with %s (BAD_USER_INPUT)', (_name, id) => {
    expect(thrown(() => encodeXmlBatch({ values: Float64Array.of(1), sampleLength: 1, ids: [id] }))).toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      details: { sampleIndex: 0 },
    });
  });

  it.each([
    ['too few values', { values: new Float64Array(5), sampleLength: 3, ids: ['a', 'b'] }],
    ['no samples', { values: new Float64Array(0), sampleLength: 3, ids: [] }],
    ['a zero sample length', { values: new Float64Array(0), sampleLength: 0, ids: ['a'] }],
  ])('refuses %s (BAD_USER_INPUT)', (_name, source) => {
    expect(thrown(() => encodeXmlBatch(source)).code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('numbers ids with 4 digits and grows past 9999', () => {
    const ids = sequentialSampleIds(10_001, 'rec-');
    expect([ids[0], ids[9], ids[9999], ids[10_000]]).toEqual(['rec-0000', 'rec-0009', 'rec-9999', 'rec-10000']);
    expect(sequentialSampleIds(1, '')).toEqual(['0000']);
  });

  it('streams chunk by chunk with back-pressure and writes what encodeXmlBatch returns', async () => {
    const source = { values: randomDoubles(3000), sampleLength: 1000, ids: sequentialSampleIds(3, 's') };
    const received: string[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk.toString('utf8'));
        setImmediate(done);
      },
    });
    const bytes = await writeXmlBatch(source, slow);
    expect(received.join('')).toBe(encodeXmlBatch(source));
    expect(received).toHaveLength(5); // prolog, three samples, closing tag
    expect(bytes).toBe(Buffer.byteLength(received.join('')));
  });

  it('writes nothing to the sink when the batch is invalid', async () => {
    const received: unknown[] = [];
    const sink = new Writable({
      write: (chunk, _e, done) => {
        received.push(chunk);
        done();
      },
    });
    const error = await rejected(() =>
      writeXmlBatch({ values: Float64Array.of(NaN), sampleLength: 1, ids: ['a'] }, sink),
    );
    expect(error.code).toBe(ErrorCode.NON_FINITE_VALUE);
    expect(received).toEqual([]);
  });

  it('encodes 300 × 5000 values as one chunk per sample between a header and a footer', () => {
    const values = randomDoubles(300 * 5000, 7);
    let length = 0;
    let chunks = 0;
    for (const chunk of xmlBatchChunks({ values, sampleLength: 5000, ids: sequentialSampleIds(300, 'rec-') })) {
      length += chunk.length;
      chunks++;
    }
    expect(chunks).toBe(302);
    expect(length).toBeGreaterThan(300 * 5000 * 10);
  });
});
