import path from 'node:path';

import { XmlWorkerDecoder, type XmlWorkerDecoderOptions } from '../../../src/codec/xml/worker/xml-worker-decoder';
import { ErrorCode } from '../../../src/errors/error-code';
import { StageRecorder } from '../../../src/telemetry/stage-recorder';
import { rejected } from './codec-helpers';

const FAKE_WORKER = path.resolve(__dirname, '..', '..', 'fixtures', 'workers', 'fake-xml.worker.js');
const expect2 = { sampleLength: 2, maxSamples: 100 };
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

const decoders: XmlWorkerDecoder[] = [];
async function started(options: Partial<XmlWorkerDecoderOptions> = {}): Promise<XmlWorkerDecoder> {
  const decoder = await XmlWorkerDecoder.start({ xsdPath: 'fake', maxXmlBytes: 1000, script: FAKE_WORKER, ...options });
  decoders.push(decoder);
  return decoder;
}
afterEach(async () => {
  await Promise.all(decoders.splice(0).map((d) => d.close()));
});

describe('XmlWorkerDecoder (the main-thread side of the XML worker)', () => {
  it('answers every request with its own batch, in order, when many are in flight', async () => {
    const decoder = await started();
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) => decoder.decode(text(`${i} ${i + 0.5} ${-i - 1} 7`), expect2)),
    );
    batches.forEach((batch, i) => {
      expect(batch).toMatchObject({ format: 'xml', count: 2, sampleLength: 2, ids: ['0', '1'] });
      expect(Array.from(batch.values)).toEqual([i, i + 0.5, -i - 1, 7]);
    });
  });

  it('moves an upload that owns its memory to the worker instead of copying it', async () => {
    const decoder = await started();
    const encoded = new TextEncoder().encode('1 2');
    const owned = Buffer.from(encoded.buffer, 0, encoded.byteLength);
    expect(owned.byteLength).toBe(owned.buffer.byteLength);
    await decoder.decode(owned, expect2);
    expect(owned.buffer.byteLength).toBe(0); // detached: transferred, not cloned
    const pooled = Buffer.from('3 4'); // a slice of Node's shared pool: copied, the pool stays usable
    expect(Array.from((await decoder.decode(pooled, expect2)).values)).toEqual([3, 4]);
    expect(pooled.toString()).toBe('3 4');
  });

  it('replays the worker stage timings into the caller instrumentation', async () => {
    const recorder = new StageRecorder();
    const decoder = await started({ instrumentation: recorder });
    await decoder.decode(text('1 2'), expect2);
    await rejected(() => decoder.decode(text('refuse'), expect2));
    const stages = recorder.take();
    expect(stages.map((s) => [s.stage, s.attributes.bytes])).toEqual([
      ['xml.parse', 3],
      ['xml.parse', 6],
    ]);
    for (const s of stages) expect(s.endedAt).toBeGreaterThanOrEqual(s.startedAt);
  });

  it('reads a large upload in parts when asked to, and gives the rest up on request', async () => {
    const recorder = new StageRecorder();
    const decoder = await started({ instrumentation: recorder });
    const batch = await decoder.decode(text('1 2 3 4 5 6 7 8 9 10'), expect2, 2);
    expect([batch.count, batch.pending?.ready, batch.ids]).toEqual([5, 2, ['0', '1']]);
    expect(await batch.pending?.next()).toBe(4);
    expect(await batch.pending?.next()).toBe(5);
    expect(batch.ids).toEqual(['0', '1', '2', '3', '4']);
    expect(Array.from(batch.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(recorder.take().map((s) => s.stage)).toEqual(['xml.parse', 'xml.values', 'xml.values']);
    const abandoned = await decoder.decode(text('1 2 3 4 5 6'), expect2, 1);
    abandoned.pending?.abandon();
    expect((await rejected(async () => abandoned.pending?.next())).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect((await decoder.decode(text('1 2'), expect2, 2)).pending).toBeUndefined(); // no parts when it fits in one
  });

  it('turns a refusal into the GatewayError the worker threw, with its code and details', async () => {
    const decoder = await started();
    const error = await rejected(() => decoder.decode(text('refuse'), expect2));
    expect(error).toMatchObject({ code: ErrorCode.XML_MALFORMED, message: 'refused', details: { line: 1 } });
  });

  it('fails only the requests a crashed worker held, reports the crash, and serves the next request with a new worker', async () => {
    const crashes: number[] = [];
    const decoder = await started({ onCrash: (code) => crashes.push(code) });
    const before = await decoder.decode(text('1 2'), expect2);
    const crashed = rejected(() => decoder.decode(text('crash'), expect2));
    const queuedBehind = rejected(() => decoder.decode(text('5 6'), expect2));
    expect((await crashed).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect((await queuedBehind).code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(crashes).toEqual([3]);
    expect(Array.from(before.values)).toEqual([1, 2]);
    expect(Array.from((await decoder.decode(text('7 8'), expect2)).values)).toEqual([7, 8]);
  });

  it('fails to start with the error of a worker that cannot load its schema', async () => {
    const error = await rejected(() => started({ xsdPath: 'unusable' }));
    expect(error).toMatchObject({
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      message: 'The XML batch schema could not be loaded.',
    });
  });

  it('answers SHUTTING_DOWN once closed', async () => {
    const decoder = await started();
    await decoder.close();
    expect((await rejected(() => decoder.decode(text('1 2'), expect2))).code).toBe(ErrorCode.SHUTTING_DOWN);
  });
});
