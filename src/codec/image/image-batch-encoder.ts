import sharp from 'sharp';
import { ErrorCode } from '../../errors/error-code';
import { GatewayError } from '../../errors/gateway-error';
import { sharedFloat64Array } from '../../lib/worker-thread';
import { checkItemCount, itemSampleId } from '../request-items';
import type { SignalBatch } from '../signal-batch';

/** How a version turns an image into its tensor (its manifest's `input.image`). */
export interface ImagePreprocessing {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly layout: 'NCHW' | 'NHWC';
  readonly fit: 'contain' | 'fill';
  readonly background: number;
  readonly polarity: 'as-is' | 'light-on-dark';
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** One image of a request: its encoded bytes (PNG, JPEG or WebP) and the id the client gives it. */
export interface ImageItem {
  readonly id?: string | null;
  readonly bytes: Buffer;
}

/** The formats accepted, as sharp names them. */
const FORMATS = new Set(['png', 'jpeg', 'webp']);

/**
 * Turns a request's images into a batch of one version's input tensor, with libvips (sharp, the only place it is
 * used): each image checked (a PNG, JPEG or WebP that decodes whole, one frame, 8 bits per channel, at most
 * `maxPixels`), composited on white, made grey (ITU-R 601-2 luma, as Pillow's `convert('L')`, in integers) or kept
 * RGB, inverted if the manifest asks for light strokes on a dark ground and its border is light, fitted into the
 * model's size (an image already of that size is left as is), then scaled and normalised per channel in double. The
 * steps are those of the training recipe's preprocessing (`training/digits/preprocess.py`); resampling is libvips',
 * so an image that must be resized can differ from Pillow's by rounding.
 */
export class ImageBatchEncoder {
  constructor(
    private readonly options: ImagePreprocessing,
    /** Largest decoded image accepted, in pixels: a decompression bomb is refused before it is decoded. */
    private readonly maxPixels: number,
  ) {}

  /**
   * @throws GatewayError `EMPTY_BATCH`, `TOO_MANY_SAMPLES`, `BAD_USER_INPUT` (an id), `IMAGE_INVALID`,
   *   `IMAGE_UNSUPPORTED`, `IMAGE_TOO_LARGE`
   */
  async encode(items: readonly ImageItem[], maxItems: number): Promise<SignalBatch> {
    checkItemCount(items.length, maxItems, 'images');
    const { width, height, channels } = this.options;
    const sampleLength = width * height * channels;
    const values = sharedFloat64Array(items.length * sampleLength);
    const ids = items.map((item, i) => itemSampleId(item.id, i, 'Image'));
    // All at once: libvips decodes on its own thread pool, so the images of a request overlap. The first refusal,
    // in request order, is the answer.
    const decoded = await Promise.allSettled(items.map((item, i) => this.pixels(item.bytes, i, ids[i] ?? String(i))));
    for (const [i, outcome] of decoded.entries()) {
      if (outcome.status === 'rejected') throw outcome.reason;
      this.normalise(outcome.value, values.subarray(i * sampleLength, (i + 1) * sampleLength));
    }
    return { format: 'image', ids, count: items.length, sampleLength, values };
  }

  /** The image as `channels` 8-bit planes of the model's size (interleaved), after steps 1–3. */
  private async pixels(bytes: Buffer, index: number, id: string): Promise<Uint8Array> {
    const details = { index, id };
    const refuse = (code: ErrorCode, why: string): GatewayError =>
      new GatewayError(code, `Image ${index} (id "${id}") ${why}.`, details);
    const input = { limitInputPixels: this.maxPixels, failOn: 'truncated' as const, animated: true };
    let meta: sharp.Metadata;
    try {
      meta = await sharp(bytes, input).metadata();
    } catch (error) {
      throw tooLarge(error)
        ? refuse(ErrorCode.IMAGE_TOO_LARGE, `has more than ${this.maxPixels} pixels`)
        : refuse(ErrorCode.IMAGE_INVALID, 'is not an image that can be decoded');
    }
    if (meta.format === undefined || !FORMATS.has(meta.format))
      throw refuse(ErrorCode.IMAGE_UNSUPPORTED, `is ${meta.format ?? 'of an unknown format'}, not PNG, JPEG or WebP`);
    if ((meta.pages ?? 1) > 1) throw refuse(ErrorCode.IMAGE_UNSUPPORTED, 'is animated (more than one frame)');
    if (meta.depth !== 'uchar') throw refuse(ErrorCode.IMAGE_UNSUPPORTED, 'has more than 8 bits per channel');
    if (meta.space !== undefined && !['srgb', 'b-w', 'rgb'].includes(meta.space))
      throw refuse(ErrorCode.IMAGE_UNSUPPORTED, `is in the ${meta.space} colour space, not grey or RGB`);
    if ((meta.width ?? 0) * (meta.height ?? 0) > this.maxPixels)
      throw refuse(ErrorCode.IMAGE_TOO_LARGE, `has more than ${this.maxPixels} pixels`);
    let rgba: { data: Buffer; info: sharp.OutputInfo };
    try {
      rgba = await sharp(bytes, { ...input, animated: false })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch {
      throw refuse(ErrorCode.IMAGE_INVALID, 'is truncated or corrupt');
    }
    const planes = this.onWhite(rgba.data, rgba.info.width * rgba.info.height);
    if (
      this.options.polarity === 'light-on-dark' &&
      borderIsLight(planes, rgba.info.width, rgba.info.height, this.options.channels)
    )
      for (let p = 0; p < planes.length; p += 1) planes[p] = 255 - (planes[p] ?? 0);
    return this.fitted(planes, rgba.info.width, rgba.info.height);
  }

  /** Alpha composited on white, rounded as Pillow rounds; then grey (integer luma) or RGB. */
  private onWhite(rgba: Buffer, count: number): Uint8Array {
    const { channels } = this.options;
    const out = new Uint8Array(count * channels);
    for (let p = 0; p < count; p += 1) {
      const a = rgba[p * 4 + 3] ?? 255;
      const over = (c: number): number => Math.floor((c * a + 255 * (255 - a)) / 255 + 0.5);
      const r = over(rgba[p * 4] ?? 0);
      const g = over(rgba[p * 4 + 1] ?? 0);
      const b = over(rgba[p * 4 + 2] ?? 0);
      if (channels === 1) out[p] = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
      else out.set([r, g, b], p * 3);
    }
    return out;
  }

  /** Step 3: the model's size, aspect kept and centred on the background (`contain`) or stretched (`fill`). */
  private async fitted(planes: Uint8Array, w: number, h: number): Promise<Uint8Array> {
    const { width, height, channels, fit, background } = this.options;
    if (w === width && h === height) return planes;
    const raw = { raw: { width: w, height: h, channels } };
    // Without it, libvips writes a grey image out as three channels.
    const space = channels === 1 ? 'b-w' : 'srgb';
    if (fit === 'fill') {
      const { data } = await sharp(planes, raw)
        .resize(width, height, { fit: 'fill', kernel: 'linear' })
        .toColourspace(space)
        .raw()
        .toBuffer({ resolveWithObject: true });
      return new Uint8Array(data);
    }
    const ratio = Math.max(w / width, h / height);
    const w2 = Math.max(1, Math.floor(w / ratio + 0.5));
    const h2 = Math.max(1, Math.floor(h / ratio + 0.5));
    const { data } = await sharp(planes, raw)
      .resize(w2, h2, { fit: 'fill', kernel: 'linear' })
      .toColourspace(space)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const out = new Uint8Array(width * height * channels).fill(background);
    const left = Math.floor((width - w2) / 2);
    const top = Math.floor((height - h2) / 2);
    for (let y = 0; y < h2; y += 1)
      out.set(data.subarray(y * w2 * channels, (y + 1) * w2 * channels), ((top + y) * width + left) * channels);
    return out;
  }

  /** Step 4: `(v · scale − mean[c]) / std[c]` in double, laid out as the model takes it. */
  private normalise(pixels: Uint8Array, out: Float64Array): void {
    const { width, height, channels, layout, scale, mean, std } = this.options;
    const area = width * height;
    for (let p = 0; p < area; p += 1)
      for (let c = 0; c < channels; c += 1) {
        const v = ((pixels[p * channels + c] ?? 0) * scale - (mean[c] ?? 0)) / (std[c] ?? 1);
        out[layout === 'NCHW' ? c * area + p : p * channels + c] = v;
      }
  }
}

/** Whether the outermost rows and columns are light on average (each border pixel counted once, all channels). */
function borderIsLight(planes: Uint8Array, w: number, h: number, channels: number): boolean {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < h; y += 1)
    for (let x = 0; x < w; x += 1) {
      if (y !== 0 && y !== h - 1 && x !== 0 && x !== w - 1) continue;
      for (let c = 0; c < channels; c += 1) sum += planes[(y * w + x) * channels + c] ?? 0;
      count += channels;
    }
  return sum > 127 * count;
}

function tooLarge(error: unknown): boolean {
  return error instanceof Error && /pixel limit/i.test(error.message);
}

/**
 * An image sent as base64 text (an optional `data:` URL prefix is allowed), as bytes.
 * @throws GatewayError `IMAGE_INVALID` when the text is not base64
 */
export function base64Image(text: string, index: number): Buffer {
  const body = text.replace(/^data:[a-z/+.-]+;base64,/i, '').replace(/\s+/g, '');
  if (body.length === 0 || body.length % 4 === 1 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body))
    throw new GatewayError(ErrorCode.IMAGE_INVALID, `Image ${index} is not base64 text.`, { index });
  return Buffer.from(body, 'base64');
}
