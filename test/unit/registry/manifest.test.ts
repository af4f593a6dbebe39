import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ErrorCode } from '../../../src/errors/error-code';
import { GatewayError } from '../../../src/errors/gateway-error';
import { manifestProblems, type Manifest } from '../../../src/registry/manifest';
import { discoverVersions } from '../../../src/registry/model-discovery';
import { ModelVersion } from '../../../src/registry/model-version';
import { MODEL_DIR } from '../../support/reference';

const shipped = (): Manifest => JSON.parse(readFileSync(path.join(MODEL_DIR, 'manifest.json'), 'utf8')) as Manifest;
const withInputShape = (shape: (number | string)[]): Manifest => {
  const manifest = shipped();
  return { ...manifest, inputs: [{ ...manifest.inputs[0]!, shape }] };
};

describe('manifestProblems: dynamic dimensions', () => {
  it('accepts a dynamic batch axis followed by fixed dimensions', () => {
    expect(Array.isArray(manifestProblems(withInputShape(['N', 5000, 1])))).toBe(false);
  });

  it.each([
    ['two dynamic dimensions', ['N', 'T', 1], ['inputs.0.shape.1']],
    ['a dynamic last dimension', ['N', 5000, 'C'], ['inputs.0.shape.2']],
    ['every dimension dynamic', ['N', 'T', 'C'], ['inputs.0.shape.1', 'inputs.0.shape.2']],
  ])('refuses an input with %s, naming each dynamic axis after the batch axis', (_label, shape, axes) => {
    const problems = manifestProblems(withInputShape(shape));
    expect(Array.isArray(problems)).toBe(true);
    expect(problems).toHaveLength(axes.length);
    for (const [i, axis] of axes.entries()) {
      expect((problems as string[])[i]).toMatch(new RegExp(`^${axis.replace(/\./g, '\\.')}: .*only the batch axis`));
    }
  });
});

describe('ModelVersion with an unvalidated manifest of two dynamic dimensions', () => {
  it('throws MANIFEST_INVALID, not a plain Error', () => {
    let thrown: unknown;
    try {
      new ModelVersion(withInputShape(['N', 'T', 1]), '/nowhere', 8);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe(ErrorCode.MANIFEST_INVALID);
    expect((thrown as GatewayError).message).toMatch(/only the batch axis/);
  });
});

describe('discoverVersions with a manifest of two dynamic dimensions', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'infergraph-discovery-'));
    for (const [version, shape] of [
      [1, ['N', 5000, 1]],
      [2, ['N', 'T', 1]],
    ] as const) {
      const dir = path.join(root, 'ecg-rhythm', String(version));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...withInputShape([...shape]), version }));
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('logs the version as invalid and skips it, keeping the others', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const found = await discoverVersions(root, pino({ level: 'error' }, sink));
    expect(found.map((v) => v.manifest.version)).toEqual([1]);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0] ?? '{}') as { msg: string; dir: string; err: { message: string } };
    expect(logged.msg).toBe('skipping model version with an invalid manifest');
    expect(logged.dir).toBe(path.join(root, 'ecg-rhythm', '2'));
    expect(logged.err.message).toMatch(/inputs\.0\.shape\.1: .*only the batch axis/);
  });
});
