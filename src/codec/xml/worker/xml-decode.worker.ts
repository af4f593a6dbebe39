/**
 * The XML worker thread: the only thread of the process that loads libxmljs2 (its native addon is not context-aware,
 * so a process can load it in one thread only). It parses, validates and decodes one document at a time, in the
 * order they arrive, and hands the decoded values back in shared memory, without copying them.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { isShared } from '../../../lib/worker-thread';
import { StageRecorder } from '../../../telemetry/stage-recorder';
import type { BatchDecoder } from '../../signal-batch';
import { createLibxmlEngine } from '../libxml/libxml.engine';
import { loadXsdSchema } from '../libxml/xsd-schema.loader';
import { createXmlBatchDecoder } from '../xml-batch.decoder';
import { toWireError, type XmlDecodeRequest, type XmlWorkerData, type XmlWorkerMessage } from './xml-worker.protocol';

const port = parentPort;
if (port === null) throw new Error('xml-decode.worker must run as a worker thread');

const { xsdPath, maxXmlBytes } = workerData as XmlWorkerData;
const recorder = new StageRecorder();
const post = (message: XmlWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

let decoder: BatchDecoder | undefined;
try {
  decoder = createXmlBatchDecoder({ engine: createLibxmlEngine(loadXsdSchema(xsdPath)), maxXmlBytes, instrumentation: recorder });
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'unusable', error: toWireError(error) });
  port.close();
}

port.on('message', ({ id, bytes, expect }: XmlDecodeRequest) => {
  if (decoder === undefined) return;
  try {
    const batch = decoder.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), expect);
    const { ids, count, sampleLength, values } = batch;
    // The decoder writes into shared memory; anything else would be moved.
    post({ kind: 'decoded', id, ids: [...ids], count, sampleLength, values, stages: recorder.take() }, isShared(values) ? [] : [values.buffer as ArrayBuffer]);
  } catch (error) {
    post({ kind: 'refused', id, error: toWireError(error), stages: recorder.take() });
  }
});
