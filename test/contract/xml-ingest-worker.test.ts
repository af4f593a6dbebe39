/**
 * The XML ingest contract on the worker path, as production decodes. Each ingest runs in a process of its own
 * (`ingest-host.ts`): in jest's processes another test file may already have loaded libxmljs2 on the main thread,
 * which keeps any worker thread of that process from loading it.
 */
import { startIngestProcess } from './ingest-process';
import { defineXmlIngestSuite } from './xml-ingest.contract';

jest.setTimeout(120_000);

defineXmlIngestSuite('the XML worker thread (in an ingest process of its own)', startIngestProcess);

describe('the ingest process of the worker path', () => {
  it('never loads libxmljs2 on its main thread: its XML worker thread decodes', async () => {
    const ingest = await startIngestProcess({ maxXmlBytes: 1000, pipelineSamples: 0 });
    try {
      expect(await ingest.mainThreadModules()).toEqual([]);
    } finally {
      await ingest.close();
    }
  });
});
