/**
 * The XML worker thread: the only thread of the process that loads libxmljs2 (its native addon is not context-aware,
 * so a process can load it in one thread only). It parses, validates and decodes one request at a time, in the order
 * they arrive, and hands the decoded values back in shared memory, without copying them. A large document may be
 * read in parts (`firstPart`, then `more`), so that its first batches run while the rest is read.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { isShared } from '../../../lib/worker-thread';
import { StageRecorder } from '../../../telemetry/instrumentation';
import { createLibxmlEngine } from '../libxml/libxml-engine';
import { loadXsdSchema } from '../libxml/xsd-schema';
import { createXmlBatchDecoder, type XmlBatchDecoder, type XmlBatchReader } from '../xml-batch-decoder';
import { toWireError, type XmlDecodeRequest, type XmlWorkerData, type XmlWorkerMessage } from './xml-worker-protocol';

const port = parentPort;
if (port === null) throw new Error('xml-decode.worker must run as a worker thread');

const { xsdPath, maxXmlBytes } = workerData as XmlWorkerData;
const recorder = new StageRecorder();
const post = (message: XmlWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

let decoder: XmlBatchDecoder | undefined;
try {
  decoder = createXmlBatchDecoder({
    engine: createLibxmlEngine(loadXsdSchema(xsdPath)),
    maxXmlBytes,
    instrumentation: recorder,
  });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'unusable', error: toWireError(error) });
  port.close();
}

/** Documents read in part, by the id of their `decode`, until read to the end, refused or dropped. */
const kept = new Map<number, XmlBatchReader>();

function readTo(id: number, reader: XmlBatchReader, upTo: number): void {
  const from = reader.read;
  reader.readTo(upTo);
  const { count, sampleLength, values, read } = reader;
  // The decoder writes into shared memory; anything else would be moved (only once: it is whole in the first reply).
  const transfer = isShared(values) || from > 0 ? [] : [values.buffer as ArrayBuffer];
  post(
    {
      kind: 'decoded',
      id,
      count,
      sampleLength,
      values,
      read,
      ids: reader.ids.slice(from, read),
      stages: recorder.take(),
    },
    transfer,
  );
}

port.on('message', (request: XmlDecodeRequest) => {
  if (decoder === undefined) return;
  if (request.kind === 'drop') {
    kept.delete(request.document);
    return;
  }
  const document = request.kind === 'decode' ? request.id : request.document;
  try {
    if (request.kind === 'decode') {
      const { bytes, expect, firstPart } = request;
      const reader = decoder.open(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), expect);
      if (firstPart > 0 && firstPart < reader.count) kept.set(document, reader);
      readTo(request.id, reader, firstPart > 0 ? firstPart : reader.count);
    } else {
      const reader = kept.get(document);
      if (reader === undefined) throw new Error(`no document ${document}`);
      readTo(request.id, reader, request.upTo);
      if (reader.read === reader.count) kept.delete(document);
    }
  } catch (error) {
    kept.delete(document);
    post({ kind: 'refused', id: request.id, error: toWireError(error), stages: recorder.take() });
  }
});
