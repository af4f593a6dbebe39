/**
 * The shipped `digits` image model on its whole MNIST test split (split by the recipe's own code from the `mnist`
 * package), sent as base64 PNG files over real HTTP: outputs equal a direct ONNX Runtime run on the preprocessed
 * tensors the recipe computes, bit for bit; accuracy is the recipe's and at least 0.98. Then each kind of bad image
 * is refused with its code, the gateway serving on after each.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { postJson, type GraphQLResponse } from '../support/graphql-client';
import { REPO_ROOT, startGateway, type RunningGateway } from '../support/gateway';

jest.setTimeout(180_000);

const MODEL = path.join(REPO_ROOT, 'models', 'digits', '1');
const manifest = JSON.parse(readFileSync(path.join(MODEL, 'manifest.json'), 'utf8')) as {
  labels: string[];
  evaluation: { test: { n: number; accuracy: number } };
};

const PREDICT_IMAGES = `mutation($images: [ImageInput!]!, $model: String!) {
  predictImages(model: $model, images: $images) { outputs samples { id label } }
}`;
type ImagesAnswer = GraphQLResponse<{
  predictImages: { outputs: number[][]; samples: { id: string; label: string }[] };
}>;

/** The recipe's test split: 28×28 grey digits (light on dark) and their labels. */
function testSplit(): { pixels: number[]; label: number }[] {
  const script = `
import json, sys
sys.path.insert(0, "training/digits")
from build import SEED, SIZES
from data import load_digits, split_digits
test = split_digits(load_digits(), SEED, SIZES)["test"]
for x, y in zip(test.x, test.y):
    print(json.dumps({"pixels": x.reshape(-1).tolist(), "label": int(y)}))
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { cwd: REPO_ROOT, maxBuffer: 256 << 20 });
  return out
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { pixels: number[]; label: number });
}

const png = (pixels: readonly number[], width = 28, height = 28): Promise<Buffer> =>
  sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();

/** A PNG that declares `width`×`height` pixels but holds one row of data: a decompression bomb's header. */
function bombHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const row = deflateSync(Buffer.alloc(width + 1));
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', row), chunk('IEND', Buffer.alloc(0))]);
}

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const predictImages = (images: { id?: string; base64: string }[], model = 'digits'): Promise<ImagesAnswer> =>
  postJson(gw.predictor, PREDICT_IMAGES, { images, model });

describe('digits on its whole MNIST test split, as PNG files', () => {
  it("answers with the bits of a direct ONNX Runtime run on the recipe's tensors, at the recipe's accuracy", async () => {
    const split = testSplit();
    expect(split).toHaveLength(manifest.evaluation.test.n);
    const outputs: number[][] = [];
    // Requests of 250 images keep each JSON body well under its 1 MB limit.
    for (let from = 0; from < split.length; from += 250) {
      const part = split.slice(from, from + 250);
      const images = await Promise.all(part.map(async (d) => ({ base64: (await png(d.pixels)).toString('base64') })));
      const res = await predictImages(images);
      expect(res.body.errors).toBeUndefined();
      outputs.push(...(res.body.data?.predictImages.outputs ?? []));
    }

    // The recipe's step 4 (28×28 needs no other step): (v / 255 − mean) / std in double, then float32.
    const tensor = Float32Array.from(
      split.flatMap((d) => d.pixels.map((v) => (v * 0.00392156862745098 - 0.1307) / 0.3081)),
    );
    const session = await ort.InferenceSession.create(path.join(MODEL, 'model.onnx'));
    try {
      const direct = await session.run({ image: new ort.Tensor('float32', tensor, [split.length, 1, 28, 28]) });
      const values = Array.from(direct['probabilities']?.data as Float32Array);
      expect(outputs).toEqual(split.map((_d, i) => values.slice(i * 10, (i + 1) * 10)));
    } finally {
      await session.release();
    }
    const correct = outputs.filter((row, i) => row.indexOf(Math.max(...row)) === split[i]?.label).length;
    expect(correct / split.length).toBe(manifest.evaluation.test.accuracy);
    expect(correct / split.length).toBeGreaterThanOrEqual(0.98);
  });

  it('reads the same digits drawn dark on light paper at twice the size: inverted and fitted back, the same labels', async () => {
    const digits = testSplit().slice(0, 100);
    const answers = async (images: Buffer[]): Promise<number[][]> => {
      const res = await predictImages(images.map((image) => ({ base64: image.toString('base64') })));
      expect(res.body.errors).toBeUndefined();
      return res.body.data?.predictImages.outputs ?? [];
    };
    const original = await answers(await Promise.all(digits.map((d) => png(d.pixels))));
    const scans = await Promise.all(
      digits.map(async (d) =>
        sharp(Buffer.from(d.pixels.map((v) => 255 - v)), { raw: { width: 28, height: 28, channels: 1 } })
          .resize(56, 56, { kernel: 'nearest' })
          .png()
          .toBuffer(),
      ),
    );
    const scanned = await answers(scans);
    const label = (row: number[]): number => row.indexOf(Math.max(...row));
    expect(scanned.map(label)).toEqual(original.map(label));
    // libvips' resampling gives the digits back almost, not exactly (its linear kernel is no plain 2×2 mean):
    // probabilities move by a few hundredths at most, the answers do not.
  });
});

describe('bad images', () => {
  async function stillServes(): Promise<void> {
    const res = await predictImages([{ base64: (await png(new Array<number>(784).fill(0))).toString('base64') }]);
    expect(res.body.data?.predictImages.outputs).toHaveLength(1);
  }

  it.each([
    ['not base64 text', async () => 'this is not base64!', 'IMAGE_INVALID'],
    [
      'bytes that are no image',
      async () => Buffer.from('plain text, no image at all').toString('base64'),
      'IMAGE_INVALID',
    ],
    [
      'a truncated PNG',
      async () => (await png(Array.from({ length: 784 }, (_v, i) => i % 251))).subarray(0, 60).toString('base64'),
      'IMAGE_INVALID',
    ],
    [
      'a decompression bomb (60000 × 60000 declared)',
      async () => bombHeader(60_000, 60_000).toString('base64'),
      'IMAGE_TOO_LARGE',
    ],
    [
      'a 16-bit PNG',
      async () =>
        (
          await sharp(Buffer.alloc(28 * 28 * 2, 7), { raw: { width: 28, height: 28, channels: 1 } })
            .toColourspace('grey16')
            .png()
            .toBuffer()
        ).toString('base64'),
      'IMAGE_UNSUPPORTED',
    ],
    [
      'a CMYK JPEG',
      async () =>
        (
          await sharp(Buffer.alloc(28 * 28 * 3, 90), { raw: { width: 28, height: 28, channels: 3 } })
            .toColourspace('cmyk')
            .jpeg()
            .toBuffer()
        ).toString('base64'),
      'IMAGE_UNSUPPORTED',
    ],
    [
      'a GIF',
      async () =>
        (
          await sharp(Buffer.alloc(28 * 28, 9), { raw: { width: 28, height: 28, channels: 1 } })
            .gif()
            .toBuffer()
        ).toString('base64'),
      'IMAGE_UNSUPPORTED',
    ],
  ])('refuses %s with its code, and serves on', async (_label, image, code) => {
    const res = await predictImages([{ base64: await image() }]);
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.data ?? null).toBeNull();
    await stillServes();
  });

  it('refuses no images, too many, and images sent to a text model', async () => {
    expect((await predictImages([])).body.errors?.[0]?.extensions?.code).toBe('EMPTY_BATCH');
    const one = (await png(new Array<number>(784).fill(3))).toString('base64');
    const many = await postJson(gw.predictor, PREDICT_IMAGES, {
      model: 'digits',
      images: Array.from({ length: 4097 }, () => ({ base64: 'AAAA' })),
    });
    expect(many.body.errors?.[0]?.extensions?.code).toMatch(/TOO_MANY_SAMPLES|PAYLOAD_TOO_LARGE/);
    const wrong = await predictImages([{ base64: one }], 'tweet-sentiment');
    expect(wrong.body.errors?.[0]?.extensions).toMatchObject({
      code: 'INPUT_KIND_MISMATCH',
      expected: 'text',
      received: 'images',
    });
    await stillServes();
  });
});

describe('MAX_IMAGE_PIXELS', () => {
  it('refuses an image of more pixels than it allows, from its header, and takes one within it', async () => {
    const small = await startGateway({ MAX_IMAGE_PIXELS: '1000' });
    try {
      const send = async (side: number) =>
        postJson(small.predictor, PREDICT_IMAGES, {
          model: 'digits',
          images: [{ base64: (await png(new Array<number>(side * side).fill(0), side, side)).toString('base64') }],
        });
      expect((await send(32)).body.errors?.[0]?.extensions?.code).toBe('IMAGE_TOO_LARGE');
      expect((await send(28)).body.errors).toBeUndefined();
    } finally {
      await small.stop();
    }
  });
});
