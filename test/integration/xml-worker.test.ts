/**
 * XML decoding on the worker thread, as production runs it: a gateway process of its own (in jest's processes a
 * unit test may already have loaded libxmljs2 on the main thread, which keeps any worker from loading it). What
 * the worker path decodes and refuses, case by case, is the XML ingest contract's
 * (`test/contract/xml-ingest-worker.test.ts`); this suite checks what the gateway makes of it: predictions, refusals
 * in responses, overlap and pipelining.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loginAs, TEST_ADMIN } from '../support/gateway';
import { startProcess, type Started } from '../support/gateway-process';
import { upload, type Endpoint, type PredictionJson } from '../support/graphql-client';
import { npyBytes } from '../support/npy';
import { directRun, HELDOUT, readNpy, sameBits } from '../support/reference';
import { xmlBatch } from '../support/xml';

jest.setTimeout(120_000);

const FROM_SOURCE = ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
const inputs = readNpy(path.join(HELDOUT, 'inputs.npy'));
const values = inputs.data as Float64Array;
const [count = 0, length = 0] = inputs.shape;
const heldoutXml = readFileSync(path.join(HELDOUT, 'inputs.xml'));
const flat = (prediction: PredictionJson | undefined): Float64Array =>
  Float64Array.from(prediction?.outputs.flat() ?? []);

let gateway: Started;
let admin: Endpoint;
let direct: Float64Array;
beforeAll(async () => {
  gateway = await startProcess({}, FROM_SOURCE);
  admin = await loginAs(`http://127.0.0.1:${gateway.port}/graphql`, TEST_ADMIN.username, TEST_ADMIN.password);
  direct = await directRun(values, [length, 1]);
});
afterAll(async () => {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
});

describe('XML decoding on the worker thread (gateway process)', () => {
  it('decodes the committed held-out XML off the main thread, outputs bit-identical to direct ONNX Runtime runs', async () => {
    expect(gateway.output()).toMatch(/"xmlDecoding":"worker thread"[^\n]*uploads decoder ready/);
    const res = await upload(admin, heldoutXml, { filename: 'inputs.xml' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.predict.shape).toEqual([count, 2]);
    expect(sameBits(flat(res.body.data?.predict), direct)).toBe(true);
  });

  it("answers a document the worker refuses with the refusal's code and details, nothing internal, and keeps serving", async () => {
    const res = await upload(admin, xmlBatch([`NaN ${'0 '.repeat(length - 1)}`], { ids: ['nan'] }), {
      filename: 'bad.xml',
    });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'NON_FINITE_VALUE',
      sampleIndex: 0,
      sampleId: 'nan',
      valueIndex: 0,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/\/work\/|node_modules|\.ts:\d+/);
    const after = await upload(admin, heldoutXml, { filename: 'inputs.xml' });
    expect(sameBits(flat(after.body.data?.predict), direct)).toBe(true);
  });

  it('answers concurrent XML and NPY uploads of different batches, each with its own rows', async () => {
    const slice = (from: number, n: number): Float64Array => values.subarray(from * length, (from + n) * length);
    const jobs = Array.from({ length: 8 }, (_, i) => {
      const [from, n] = [i * 3, 3 + (i % 4)];
      const file =
        i % 2 === 0
          ? xmlBatch(Array.from({ length: n }, (_, s) => Array.from(slice(from + s, 1), String).join(' ')))
          : npyBytes({ descr: '<f8', shape: [n, length, 1], data: slice(from, n) });
      return { from, n, response: upload(admin, file, { filename: i % 2 === 0 ? 'b.xml' : 'b.npy' }) };
    });
    for (const { from, n, response } of jobs) {
      const res = await response;
      expect(res.body.errors).toBeUndefined();
      expect(sameBits(flat(res.body.data?.predict), direct.subarray(from * 2, (from + n) * 2))).toBe(true);
    }
  });

  it('infers a large XML upload part by part while the rest is still read, with the same bits', async () => {
    const n = 80; // ~8 MB of XML: under libxml's 10,000,000-byte limit
    const metric = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
      return Number(
        /infergraph_ingest_stage_duration_seconds_count\{[^}]*stage="xml.values"[^}]*\} (\d+)/.exec(text)?.[1] ?? NaN,
      );
    };
    const before = await metric();
    const xml = xmlBatch(
      Array.from({ length: n }, (_, s) => Array.from(values.subarray(s * length, (s + 1) * length), String).join(' ')),
    );
    const res = await upload(admin, xml, { filename: 'large.xml' });
    expect(res.body.errors).toBeUndefined();
    expect(sameBits(flat(res.body.data?.predict), direct.subarray(0, 2 * n))).toBe(true);
    expect((await metric()) - before).toBe(3); // read in parts of 32, 32 and 16 samples
  });

  it("fails a large upload whose later part holds a bad value with that value's code, and keeps serving", async () => {
    const bodies = Array.from({ length: 40 }, (_, s) =>
      Array.from(values.subarray(s * length, (s + 1) * length), String).join(' '),
    );
    bodies[35] = `INF ${bodies[35]?.split(' ').slice(1).join(' ')}`;
    const res = await upload(admin, xmlBatch(bodies), { filename: 'late-bad.xml' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'NON_FINITE_VALUE', sampleIndex: 35 });
    const after = await upload(admin, heldoutXml, { filename: 'inputs.xml' });
    expect(sameBits(flat(after.body.data?.predict), direct)).toBe(true);
  });
});
