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

describe('manifestProblems: input kinds', () => {
  const image = {
    kind: 'image',
    image: { width: 28, height: 28, channels: 1, layout: 'NCHW', scale: 1 / 255, mean: [0.1307], std: [0.3081] },
  };
  const text = {
    kind: 'text',
    text: { tokenizer: 'infergraph-words-1', vocabulary: 'vocab.json', maxLength: 40, padId: 0, unknownId: 1 },
  };
  const withInput = (input: unknown, tensor: { dtype: string; shape: (number | string)[] }): unknown => {
    const manifest = shipped();
    return { ...manifest, input, inputs: [{ name: 'x', ...tensor }] };
  };

  it('reads a manifest without `input` as a signal model', () => {
    expect((manifestProblems(shipped()) as Manifest).input).toEqual({ kind: 'signal' });
  });

  it('accepts an image kind whose size, channels and layout are the input tensor, filling in the defaults', () => {
    const manifest = manifestProblems(withInput(image, { dtype: 'float32', shape: ['N', 1, 28, 28] })) as Manifest;
    expect(manifest.input).toEqual({
      ...image,
      image: { ...image.image, fit: 'contain', background: 0, polarity: 'as-is' },
    });
    const nhwc = { ...image, image: { ...image.image, channels: 3, layout: 'NHWC', mean: [0, 0, 0], std: [1, 1, 1] } };
    expect(Array.isArray(manifestProblems(withInput(nhwc, { dtype: 'float64', shape: ['N', 28, 28, 3] })))).toBe(false);
  });

  it('accepts a text kind whose length is the input tensor', () => {
    const manifest = manifestProblems(withInput(text, { dtype: 'int64', shape: ['N', 40] })) as Manifest;
    expect(manifest.input).toEqual({ ...text, text: { ...text.text, maxChars: 1000 } });
  });

  it.each([
    [
      'an image size that is not the input shape',
      image,
      { dtype: 'float32', shape: ['N', 1, 32, 32] },
      ['input: this image preprocessing makes [N, 1, 28, 28], but inputs.0.shape is [N, 1, 32, 32]'],
    ],
    [
      'an image kind on an integer input, and a mean per channel missing',
      { ...image, image: { ...image.image, channels: 3, mean: [0.5], std: [1, 1, 1] } },
      { dtype: 'int64', shape: ['N', 3, 28, 28] },
      [
        'input.image.mean: 1 values for 3 channels',
        'input: this image preprocessing makes float32 or float64, but inputs.0.dtype is int64',
      ],
    ],
    [
      'a text length that is not the input shape, on a float input',
      text,
      { dtype: 'float32', shape: ['N', 64] },
      [
        'input: this text preprocessing makes [N, 40], but inputs.0.shape is [N, 64]',
        'input: this text preprocessing makes int64 or int32, but inputs.0.dtype is float32',
      ],
    ],
    [
      'a padding id that is also the unknown id',
      { ...text, text: { ...text.text, unknownId: 0 } },
      { dtype: 'int64', shape: ['N', 40] },
      ['input.text: padId and unknownId must differ'],
    ],
  ])('refuses %s, naming each problem', (_label, input, tensor, expected) => {
    expect(manifestProblems(withInput(input, tensor))).toEqual(expected);
  });

  it('refuses an unknown kind, an unknown tokenizer and a vocabulary outside the version folder', () => {
    const tensor = { dtype: 'int64', shape: ['N', 40] };
    expect(manifestProblems(withInput({ kind: 'audio' }, tensor))).toEqual([expect.stringMatching(/^input\.kind: /)]);
    const bad = { ...text, text: { ...text.text, tokenizer: 'bert', vocabulary: '../../etc/passwd' } };
    expect(manifestProblems(withInput(bad, tensor))).toEqual([
      expect.stringMatching(/^input\.text\.tokenizer: /),
      'input.text.vocabulary: Invalid string: must match pattern /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/',
      'input.text.vocabulary: must stay inside the version folder',
    ]);
  });
});
