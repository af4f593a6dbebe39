import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';

import { createBatchCodec } from '../../../src/codec/batch-codec';
import { parseNpy2XmlArgs, runNpy2Xml } from '../../../scripts/npy2xml';
import { npyBytes } from '../../support/npy';
import { bitsOf, XSD_PATH } from './codec-helpers';

const REPO = path.resolve(__dirname, '..', '..', '..');
const codec = createBatchCodec({ xsdPath: XSD_PATH, maxXmlBytes: 10_000_000 });
const L = 5000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'npy2xml-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command in-process, capturing stderr. */
async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      stderr += chunk.toString();
      done();
    },
  });
  const code = await runNpy2Xml(argv, sink);
  return { code, stderr };
}

function values(n: number): Float64Array {
  const special = [0.1 + 0.2, 1e-7, -0.046, 5e-324, -0, 1.7976931348623157e308, -2.2250738585072014e-308];
  return Float64Array.from({ length: n }, (_, i) =>
    i < special.length ? (special[i] as number) : Math.sin(i) * 0.37 + i * 1e-9,
  );
}

describe('npy2xml', () => {
  it.each([
    ['float64 (x, 5000, 1)', '<f8', [3, L, 1]],
    ['float64 (x, 5000)', '<f8', [3, L]],
  ])('converts %s so that the gateway decodes bit-identical values', async (_name, descr, shape) => {
    const data = values(3 * L);
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr, shape, data }));
    const { code, stderr } = await run(path.join(dir, 'in.npy'), path.join(dir, 'out.xml'));
    expect(code).toBe(0);
    expect(stderr).toMatch(/wrote 3 samples × 5000 values/);
    const batch = codec.decode(readFileSync(path.join(dir, 'out.xml')), 'out.xml', { sampleLength: L, maxSamples: 3 });
    expect(bitsOf(batch.values)).toEqual(bitsOf(data));
    expect(batch.ids).toEqual(['rec-0000', 'rec-0001', 'rec-0002']);
  });

  it('converts float32, widened exactly, and takes the sample length from the file', async () => {
    const f32 = Float32Array.from(values(2 * 7).map((v) => (Math.abs(v) > 1e30 ? 1 : v)));
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr: '<f4', shape: [2, 7], data: f32 }));
    expect((await run(path.join(dir, 'in.npy'), path.join(dir, 'out.xml'), '--id-prefix', 'ecg_')).code).toBe(0);
    const batch = codec.decode(readFileSync(path.join(dir, 'out.xml')), undefined, { sampleLength: 7, maxSamples: 2 });
    expect(bitsOf(batch.values)).toEqual(bitsOf(Float64Array.from(f32)));
    expect(batch.ids).toEqual(['ecg_0000', 'ecg_0001']);
  });

  it('is deterministic', async () => {
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr: '<f8', shape: [2, 50], data: values(100) }));
    await run(path.join(dir, 'in.npy'), path.join(dir, 'a.xml'));
    await run(path.join(dir, 'in.npy'), path.join(dir, 'b.xml'));
    expect(readFileSync(path.join(dir, 'a.xml'))).toEqual(readFileSync(path.join(dir, 'b.xml')));
  });

  it.each([
    ['non-finite values', npyBytes({ descr: '<f8', shape: [1, 3], data: [1, NaN, 2] }), /NON_FINITE_VALUE/],
    ['an int64 array', npyBytes({ descr: '<i8', shape: [1, 3], data: new BigInt64Array(3) }), /NPY_UNSUPPORTED/],
    ['an empty array', npyBytes({ descr: '<f8', shape: [0, 3] }), /EMPTY_BATCH/],
    ['a truncated file', npyBytes({ descr: '<f8', shape: [2, 3] }).subarray(0, 100), /NPY_MALFORMED/],
  ])('refuses %s with exit code 1 and leaves no file behind', async (_name, bytes, message) => {
    writeFileSync(path.join(dir, 'in.npy'), bytes);
    const { code, stderr } = await run(path.join(dir, 'in.npy'), path.join(dir, 'out.xml'));
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual(['in.npy']);
  });

  it('refuses an id prefix that would make invalid ids', async () => {
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr: '<f8', shape: [1, 3] }));
    const { code, stderr } = await run(path.join(dir, 'in.npy'), path.join(dir, 'out.xml'), '--id-prefix=bad prefix');
    expect(code).toBe(1);
    expect(stderr).toMatch(/BAD_USER_INPUT/);
    expect(existsSync(path.join(dir, 'out.xml'))).toBe(false);
  });

  it('reports a missing input file with exit code 1', async () => {
    expect((await run(path.join(dir, 'missing.npy'), path.join(dir, 'out.xml'))).code).toBe(1);
  });

  it('reports an unwritable output path with exit code 1', async () => {
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr: '<f8', shape: [1, 3] }));
    const { code, stderr } = await run(path.join(dir, 'in.npy'), path.join(dir, 'no-such-dir', 'out.xml'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['in.npy']);
  });

  it.each([[[]], [['only-one']], [['a', 'b', 'c']], [['a', 'b', '--id-prefix']], [['a', 'b', '--verbose']]])(
    'answers usage errors %j with exit code 2',
    async (argv) => {
      const { code, stderr } = await run(...argv);
      expect(code).toBe(2);
      expect(stderr).toMatch(/usage: npy2xml/);
    },
  );

  it('parses both --id-prefix forms and defaults to rec-', () => {
    expect(parseNpy2XmlArgs(['a', 'b'])).toEqual({ input: 'a', output: 'b', idPrefix: 'rec-' });
    expect(parseNpy2XmlArgs(['--id-prefix', 'x-', 'a', 'b']).idPrefix).toBe('x-');
    expect(parseNpy2XmlArgs(['a', 'b', '--id-prefix=y:']).idPrefix).toBe('y:');
  });

  it('runs as a command through ts-node', async () => {
    writeFileSync(path.join(dir, 'in.npy'), npyBytes({ descr: '<f8', shape: [1, 4], data: [1, 2, 3, 4] }));
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'scripts/npy2xml.ts',
        path.join(dir, 'in.npy'),
        path.join(dir, 'out.xml'),
      ],
      { cwd: REPO },
    );
    expect(stderr).toMatch(/wrote 1 samples × 4 values/);
    expect(readFileSync(path.join(dir, 'out.xml'), 'utf8')).toContain('<sample id="rec-0000">1 2 3 4</sample>');
  });
});
