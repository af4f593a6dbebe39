/**
 * What both ingest paths for XML must do, as one suite that each runs (`xml-ingest-*.test.ts`): decoding on the
 * calling thread (`XML_DECODE_WORKER=0`) and on the XML worker thread (production). The same uploads give the same
 * samples, bit for bit, or the same refusal, code and details, whichever path decodes them. `.npy` uploads go
 * through the same ingest, so a few are here too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { BatchIngest } from '../../src/codec/batch-ingest';
import type { BatchExpectation } from '../../src/codec/signal-batch';
import { encodeXmlBatch } from '../../src/codec/xml/xml-batch-writer';
import { ErrorCode } from '../../src/errors/error-code';
import { npyBytes } from '../support/npy';
import { HELDOUT, readNpy } from '../support/reference';
import { batchXml, bitsOf, expectClientSafe, FIXTURES, NS, rejected, seq } from '../unit/codec/codec-helpers';

/** Settings an ingest under the contract is started with (the XSD is always the shipped one). */
export interface IngestSettings {
  readonly maxXmlBytes: number;
  /** Uploads of more samples are read in parts of this many, where the path reads in parts (the worker). */
  readonly pipelineSamples: number;
}

/** Starts an ingest of the path under test; the suite closes it. */
export type StartIngest = (settings: IngestSettings) => Promise<BatchIngest>;

/** A decoded upload, read to its end. */
interface Decoded {
  readonly format: string;
  readonly ids: readonly string[];
  readonly count: number;
  readonly sampleLength: number;
  readonly values: Float64Array;
}

const L = 4;
const expect4: BatchExpectation = { sampleLength: L, maxSamples: 5 };
const MANY: BatchExpectation = { sampleLength: L, maxSamples: 100 };
/** Generous, as in production: the guard and libxml stop hostile documents, not the size cap. */
const ROOMY: IngestSettings = { maxXmlBytes: 64 * 1024 * 1024, pipelineSamples: 32 };
const TIGHT: IngestSettings = { maxXmlBytes: 1000, pipelineSamples: 32 };

/** The upload as the gateway hands it over: in shared memory (`upload-source.ts` reads uploads into it). */
function upload(content: string | Buffer): Buffer {
  const source = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const bytes = Buffer.from(new SharedArrayBuffer(source.length));
  source.copy(bytes);
  return bytes;
}

/** Decodes and, where the path reads in parts, reads every part: what the prediction service ends up with. */
async function decodeWhole(
  ingest: BatchIngest,
  content: string | Buffer,
  expectation: BatchExpectation,
  filename: string | undefined = 'batch.xml',
): Promise<Decoded> {
  const batch = await ingest.decode(upload(content), filename, expectation);
  const { pending } = batch;
  if (pending !== undefined) {
    while (pending.ready < batch.count) {
      const before = pending.ready;
      expect(await pending.next()).toBeGreaterThan(before);
    }
  }
  return {
    format: batch.format,
    ids: [...batch.ids],
    count: batch.count,
    sampleLength: batch.sampleLength,
    values: Float64Array.from(batch.values),
  };
}

const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

/** Samples of `L` values as an XML batch, with the ids an `.npy` upload gets (the zero-based indexes). */
const xmlOf = (values: Float64Array): Buffer =>
  Buffer.from(
    encodeXmlBatch({ values, sampleLength: L, ids: Array.from({ length: values.length / L }, (_, i) => String(i)) }),
  );

/** One refusal: the upload, and the code and details it must be refused with. */
type Refusal = readonly [what: string, content: () => string | Buffer, code: ErrorCode, details: object];

const REFUSALS: readonly Refusal[] = [
  ['a self-closing batch', () => `<batch xmlns="${NS}"/>`, ErrorCode.EMPTY_BATCH, {}],
  [
    'a batch of whitespace and comments',
    () => `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n  <!-- nothing -->\n</batch>`,
    ErrorCode.EMPTY_BATCH,
    {},
  ],
  [
    'more samples than allowed',
    () => batchXml(Array.from({ length: 7 }, () => 'x')),
    ErrorCode.TOO_MANY_SAMPLES,
    { limit: 5, actual: 7 },
  ],
  [
    'a short sample',
    () => batchXml([seq(L), '1 2 3'], { ids: ['first', 'second'] }),
    ErrorCode.WRONG_SAMPLE_LENGTH,
    { sampleIndex: 1, sampleId: 'second', expected: L, actual: 3 },
  ],
  [
    'an empty sample without an id',
    () => batchXml([seq(L), seq(L), '']),
    ErrorCode.WRONG_SAMPLE_LENGTH,
    { sampleIndex: 2, sampleId: '2', expected: L, actual: 0 },
  ],
  [
    'NaN',
    () => batchXml([seq(L), '0.5 0.5 NaN 0.5'], { ids: ['ok', 'bad'] }),
    ErrorCode.NON_FINITE_VALUE,
    { sampleIndex: 1, sampleId: 'bad', valueIndex: 2 },
  ],
  [
    '-INF',
    () => batchXml(['0.5 0.5 0.5 -INF']),
    ErrorCode.NON_FINITE_VALUE,
    { sampleIndex: 0, sampleId: '0', valueIndex: 3 },
  ],
  [
    '1e400',
    () => batchXml(['0.5 1e400 0.5 0.5']),
    ErrorCode.NON_FINITE_VALUE,
    { sampleIndex: 0, sampleId: '0', valueIndex: 1 },
  ],
  [
    'a value that is not a number',
    () => `<?xml version="1.0"?>\n<batch xmlns="${NS}">\n<sample>1 2 3 4</sample>\n<sample>1 x 3 4</sample>\n</batch>`,
    ErrorCode.XML_SCHEMA_INVALID,
    {
      errors: [
        { line: 4, message: expect.stringMatching(/'x' is not a valid value of the atomic type 'xs:double'/) },
        { line: 4, message: expect.stringMatching(/'1 x 3 4' is not a valid value of the list type/) },
      ],
    },
  ],
  [
    '"1e", which libxml 2.9 wrongly accepts as xs:double',
    () => batchXml([seq(L), '1 2 1e 4']),
    ErrorCode.XML_SCHEMA_INVALID,
    { errors: [{ line: 4, message: "'1e' (value 2 of sample 1) is not a valid xs:double" }] },
  ],
  [
    'an unknown element',
    () => `<batch xmlns="${NS}"><sample>1 2 3 4</sample><extra/></batch>`,
    ErrorCode.XML_SCHEMA_INVALID,
    { errors: [{ line: 1, message: expect.stringMatching(/extra.*not expected/) }] },
  ],
  [
    'an element the schema does not know, in place of the samples',
    () => `<batch xmlns="${NS}"><signal>1</signal></batch>`,
    ErrorCode.XML_SCHEMA_INVALID,
    { errors: [{ line: 1, message: expect.stringMatching(/signal.*not expected/) }] },
  ],
  [
    'the wrong namespace',
    () => '<batch xmlns="urn:other"><sample>1 2 3 4</sample></batch>',
    ErrorCode.XML_SCHEMA_INVALID,
    { errors: [{ line: 1, message: expect.stringMatching(/No matching global declaration/) }] },
  ],
  [
    'a truncated document',
    () => `<batch xmlns="${NS}">\n<sample>1 2`,
    ErrorCode.XML_MALFORMED,
    { line: 2, message: expect.stringMatching(/Premature end of data/) },
  ],
  [
    'an undeclared entity',
    () => `<batch xmlns="${NS}"><sample>&foo; 1 2 3</sample></batch>`,
    ErrorCode.XML_MALFORMED,
    { line: 1, message: "Entity 'foo' not defined" },
  ],
  [
    '10,000 levels of nesting',
    () => `<batch xmlns="${NS}">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</batch>`,
    ErrorCode.XML_MALFORMED,
    { message: expect.stringMatching(/depth/i) },
  ],
  [
    'an inline DOCTYPE',
    () => `<!DOCTYPE batch [<!ENTITY x "1">]><batch xmlns="${NS}"><sample>&x;</sample></batch>`,
    ErrorCode.XML_FORBIDDEN_DECLARATION,
    {},
  ],
  ['an external entity (fixture xxe-file.xml)', () => fixture('xxe-file.xml'), ErrorCode.XML_FORBIDDEN_DECLARATION, {}],
  [
    'parameter entities (fixture xxe-parameter-entity.xml)',
    () => fixture('xxe-parameter-entity.xml'),
    ErrorCode.XML_FORBIDDEN_DECLARATION,
    {},
  ],
  [
    'billion laughs (fixture billion-laughs.xml)',
    () => fixture('billion-laughs.xml'),
    ErrorCode.XML_FORBIDDEN_DECLARATION,
    {},
  ],
  [
    'an external DTD (fixture external-dtd.xml)',
    () => fixture('external-dtd.xml'),
    ErrorCode.XML_FORBIDDEN_DECLARATION,
    {},
  ],
  ['an XInclude (fixture xinclude.xml)', () => fixture('xinclude.xml'), ErrorCode.XML_SCHEMA_INVALID, {}],
  [
    'an XInclude inside a sample (fixture xinclude-in-sample.xml)',
    () => fixture('xinclude-in-sample.xml'),
    ErrorCode.XML_SCHEMA_INVALID,
    {},
  ],
  [
    'an ISO-8859-1 declaration (fixture latin1-declaration.xml)',
    () => fixture('latin1-declaration.xml'),
    ErrorCode.XML_UNSUPPORTED_ENCODING,
    {},
  ],
  [
    "more than libxml's 10,000,000 bytes",
    () => {
      const bytes = Buffer.alloc(10_000_001, 0x20);
      Buffer.from(batchXml([seq(L)])).copy(bytes);
      return bytes;
    },
    ErrorCode.FILE_TOO_LARGE,
    { limit: 10_000_000, actual: 10_000_001 },
  ],
];

/** Defines the contract suite for one ingest path. */
export function defineXmlIngestSuite(name: string, start: StartIngest): void {
  describe(`XML ingest contract: ${name}`, () => {
    let ingest: BatchIngest;
    let tight: BatchIngest;
    beforeAll(async () => {
      [ingest, tight] = await Promise.all([start(ROOMY), start(TIGHT)]);
    });
    afterAll(async () => {
      await Promise.all([ingest.close(), tight.close()]);
    });

    /** After every refusal, the same ingest still decodes a valid batch. */
    async function expectStillServing(): Promise<void> {
      expect(Array.from((await decodeWhole(ingest, batchXml(['1 2 3 4']), expect4)).values)).toEqual([1, 2, 3, 4]);
    }

    it('decodes ids and values into one row-major array, the zero-based index standing in for a missing id', async () => {
      const decoded = await decodeWhole(
        ingest,
        batchXml(['1 2 3 4', '5 6 7 8', '-1 -2 -3 -4'], { ids: ['rec-001', undefined, 'a.b:c_d-e'] }),
        expect4,
      );
      expect(decoded).toMatchObject({ format: 'xml', count: 3, sampleLength: L, ids: ['rec-001', '1', 'a.b:c_d-e'] });
      expect(Array.from(decoded.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4]);
    });

    it('reads tricky tokens exactly as Number() does', async () => {
      const tokens = ['1.5e-3', '-0', '.5', '5.', '+1', '1E308', '4.9e-324', '0.1000000000000000055511151231257827'];
      const decoded = await decodeWhole(ingest, batchXml([tokens.join(' ')]), {
        sampleLength: tokens.length,
        maxSamples: 1,
      });
      expect(bitsOf(decoded.values)).toEqual(bitsOf(Float64Array.from(tokens, Number)));
      expect(Object.is(decoded.values[1], -0)).toBe(true);
    });

    it.each([
      [
        'tabs, CR LF and indentation',
        `<batch xmlns="${NS}">\r\n\t<sample id="a">\r\n\t\t1\r\n\t\t2\t3\n   4\n\t</sample></batch>`,
      ],
      ['a UTF-8 byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(batchXml(['1 2 3 4']))])],
      ['a prefixed namespace', `<b:batch xmlns:b="${NS}"><b:sample>1 2 3 4</b:sample></b:batch>`],
      ['CDATA sections', batchXml(['<![CDATA[1 2]]> 3 <![CDATA[4]]>'])],
      [
        'comments and processing instructions',
        `<?app hint?><batch xmlns="${NS}"><!-- c --><sample>1 2<!-- x --> 3 <?pi y?>4</sample></batch>`,
      ],
      ['character references', batchXml(['1&#x20;2&#9;&#51; 4'])],
    ])('decodes a batch written with %s to the same values', async (_what, document) => {
      expect(Array.from((await decodeWhole(ingest, document, expect4)).values)).toEqual([1, 2, 3, 4]);
    });

    it('ignores xsi:schemaLocation pointing at a remote schema (fixture schema-location.xml)', async () => {
      const decoded = await decodeWhole(ingest, fixture('schema-location.xml'), { sampleLength: 1, maxSamples: 1 });
      expect([decoded.ids, Array.from(decoded.values)]).toEqual([['a'], [1]]);
    });

    it('decodes the committed held-out XML to the bits and ids of the committed .npy, past any part size', async () => {
      const inputs = readNpy(path.join(HELDOUT, 'inputs.npy'));
      const [count = 0, length = 0] = inputs.shape;
      expect(count).toBeGreaterThan(ROOMY.pipelineSamples);
      const decoded = await decodeWhole(ingest, readFileSync(path.join(HELDOUT, 'inputs.xml')), {
        sampleLength: length,
        maxSamples: count,
      });
      expect(decoded).toMatchObject({ format: 'xml', count, sampleLength: length });
      expect(decoded.ids).toEqual(Array.from({ length: count }, (_, i) => `heldout-${String(i).padStart(4, '0')}`));
      expect(bitsOf(decoded.values).equals(bitsOf(inputs.data as Float64Array))).toBe(true);
    });

    it('decodes the same samples as XML and as .npy to the same bits', async () => {
      const values = Float64Array.from({ length: 3 * L }, (_, i) => Math.sin(i) / 7);
      const xml = await decodeWhole(ingest, xmlOf(values), expect4);
      const npy = await decodeWhole(
        ingest,
        npyBytes({ descr: '<f8', shape: [3, L, 1], data: values }),
        expect4,
        'b.npy',
      );
      expect([xml.format, npy.format]).toEqual(['xml', 'npy']);
      expect(bitsOf(xml.values)).toEqual(bitsOf(values));
      expect(bitsOf(npy.values)).toEqual(bitsOf(values));
      expect(xml.ids).toEqual(npy.ids);
    });

    it('answers concurrent uploads, XML and .npy, each with its own samples', async () => {
      const uploads = Array.from({ length: 12 }, (_, i) => {
        const values = Float64Array.from({ length: (1 + (i % 4)) * L }, (_, v) => i * 1000 + v);
        const content =
          i % 3 === 2 ? npyBytes({ descr: '<f8', shape: [values.length / L, L], data: values }) : xmlOf(values);
        return { values, decoded: decodeWhole(ingest, content, expect4, i % 3 === 2 ? 'b.npy' : 'b.xml') };
      });
      for (const { values, decoded } of uploads) expect(bitsOf((await decoded).values)).toEqual(bitsOf(values));
    });

    it('decodes a batch of more samples than a part whole, in order', async () => {
      const values = Float64Array.from({ length: 80 * L }, (_, v) => v / 3);
      const decoded = await decodeWhole(ingest, xmlOf(values), MANY);
      expect(decoded.ids).toEqual(Array.from({ length: 80 }, (_, i) => String(i)));
      expect(bitsOf(decoded.values)).toEqual(bitsOf(values));
    });

    it.each(REFUSALS)(
      'refuses %s with its code and details, nothing internal, and keeps serving',
      async (_what, content, code, details) => {
        const error = await rejected(() => decodeWhole(ingest, content(), expect4));
        expect(error.code).toBe(code);
        expect(error.details).toMatchObject(details);
        expectClientSafe(error);
        await expectStillServing();
      },
    );

    it('refuses a bad value in a later part of a large upload with its code and index, and keeps serving', async () => {
      const bodies = Array.from({ length: 40 }, (_, s) => seq(L, (v) => String(s + v / 10)));
      bodies[35] = `INF ${seq(L - 1)}`;
      const error = await rejected(() => decodeWhole(ingest, batchXml(bodies), MANY));
      expect(error).toMatchObject({ code: ErrorCode.NON_FINITE_VALUE, details: { sampleIndex: 35, valueIndex: 0 } });
      await expectStillServing();
    });

    it('refuses zero bytes as EMPTY_BATCH and a CSV file as UNSUPPORTED_FILE_TYPE, naming only its basename', async () => {
      expect((await rejected(() => decodeWhole(ingest, Buffer.alloc(0), expect4))).code).toBe(ErrorCode.EMPTY_BATCH);
      const csv = await rejected(() => decodeWhole(ingest, 'id,value\n', expect4, '/tmp/uploads/data.csv'));
      expect(csv).toMatchObject({ code: ErrorCode.UNSUPPORTED_FILE_TYPE, details: { filename: 'data.csv' } });
      await expectStillServing();
    });

    it('refuses an upload above maxXmlBytes as FILE_TOO_LARGE with the limit', async () => {
      const error = await rejected(() => decodeWhole(tight, batchXml([seq(L)]) + ' '.repeat(1000), expect4));
      expect(error).toMatchObject({ code: ErrorCode.FILE_TOO_LARGE, details: { limit: 1000 } });
      expect(Array.from((await decodeWhole(tight, batchXml(['1 2 3 4']), expect4)).values)).toEqual([1, 2, 3, 4]);
    });
  });
}
