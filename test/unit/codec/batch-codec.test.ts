import { composeBatchCodec, createBatchCodec } from '../../../src/codec/batch-codec';
import type { BatchDecoder, SignalBatch } from '../../../src/codec/signal-batch';
import { encodeXmlBatch } from '../../../src/codec/xml/xml-batch-writer';
import { ErrorCode } from '../../../src/errors/error-code';
import { npyBytes } from '../../support/npy';
import { bitsOf, thrown, XSD_PATH } from './codec-helpers';

const codec = createBatchCodec({ xsdPath: XSD_PATH, maxXmlBytes: 1 << 20 });
const L = 5;
const expectation = { sampleLength: L, maxSamples: 10 };
const values = Float64Array.from({ length: 3 * L }, (_, i) => Math.sin(i) / 7);

describe('batch codec', () => {
  it('decodes the same batch from XML and from NPY to identical values', () => {
    const fromXml = codec.decode(
      Buffer.from(encodeXmlBatch({ values, sampleLength: L, ids: ['0', '1', '2'] })),
      'b.xml',
      expectation,
    );
    const fromNpy = codec.decode(npyBytes({ descr: '<f8', shape: [3, L, 1], data: values }), 'b.npy', expectation);
    expect(fromXml.format).toBe('xml');
    expect(fromNpy.format).toBe('npy');
    expect(bitsOf(fromXml.values)).toEqual(bitsOf(values));
    expect(bitsOf(fromNpy.values)).toEqual(bitsOf(values));
    expect(fromXml.ids).toEqual(fromNpy.ids);
  });

  it('routes by content, not by filename', () => {
    const npy = npyBytes({ descr: '<f8', shape: [1, L], data: values.subarray(0, L) });
    expect(codec.decode(npy, 'looks-like.xml', expectation).format).toBe('npy');
    expect(codec.decode(npy, undefined, expectation).format).toBe('npy');
  });

  it.each([undefined, 'x.xml', 'x.npy'])('answers EMPTY_BATCH for zero bytes (filename %s)', (filename) => {
    expect(thrown(() => codec.decode(Buffer.alloc(0), filename, expectation)).code).toBe(ErrorCode.EMPTY_BATCH);
  });

  it('answers UNSUPPORTED_FILE_TYPE with the safe basename', () => {
    const error = thrown(() => codec.decode(Buffer.from('id,value\n'), '/tmp/uploads/data.csv', expectation));
    expect(error).toMatchObject({ code: ErrorCode.UNSUPPORTED_FILE_TYPE, details: { filename: 'data.csv' } });
  });

  it.each([
    [{ sampleLength: 0, maxSamples: 1 }],
    [{ sampleLength: 1.5, maxSamples: 1 }],
    [{ sampleLength: 5, maxSamples: 0 }],
    [{ sampleLength: NaN, maxSamples: 1 }],
  ])('treats an invalid expectation %j as a gateway bug (INTERNAL_SERVER_ERROR)', (bad) => {
    expect(thrown(() => codec.decode(Buffer.from('<x/>'), undefined, bad)).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
  });

  it('fails at construction for a missing XSD, without the path in the message', () => {
    const error = thrown(() => createBatchCodec({ xsdPath: '/nonexistent/secret/batch.v1.xsd', maxXmlBytes: 1000 }));
    expect(error.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(error.message).not.toContain('/nonexistent');
  });

  it('composes any decoders by format', () => {
    const seen: string[] = [];
    const fake = (format: 'xml' | 'npy'): BatchDecoder => ({
      format,
      decode: (bytes): SignalBatch => {
        seen.push(`${format}:${bytes.length}`);
        return { format, ids: ['0'], count: 1, sampleLength: 1, values: new Float64Array(1) };
      },
    });
    const composed = composeBatchCodec({ xml: fake('xml'), npy: fake('npy') });
    composed.decode(Buffer.from('<a/>'), undefined, expectation);
    composed.decode(npyBytes({ descr: '<f8', shape: [1, 1] }), undefined, expectation);
    expect(seen).toEqual(['xml:4', `npy:${npyBytes({ descr: '<f8', shape: [1, 1] }).length}`]);
  });
});
