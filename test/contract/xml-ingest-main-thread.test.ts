import { createBatchIngest } from '../../src/codec/batch-ingest';
import { XSD_PATH } from '../unit/codec/codec-helpers';
import { defineXmlIngestSuite } from './xml-ingest.contract';

// libxmljs2 on jest's own thread, as the in-process test gateways decode (`XML_DECODE_WORKER=0`).
defineXmlIngestSuite('the calling thread', (settings) =>
  createBatchIngest({ xsdPath: XSD_PATH, xmlWorker: false, ...settings }),
);
