import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageBatchEncoder } from '../codec/image/image-batch-encoder';
import { parseVocabulary, TextBatchEncoder } from '../codec/text/text-batch-encoder';
import { assertNever } from '../lib/assert-never';
import type { Manifest } from './manifest';

/** What turns a request of a version's input kind into its batch, with the files it needs already read. */
export type Preprocessor =
  | { readonly kind: 'signal' }
  | { readonly kind: 'tensor' }
  | { readonly kind: 'text'; readonly encoder: TextBatchEncoder }
  | { readonly kind: 'image'; readonly encoder: ImageBatchEncoder };

/** Bounds on what preprocessing decodes, from the configuration. */
export interface PreprocessingLimits {
  /** Largest image decoded, in pixels; larger ones are `IMAGE_TOO_LARGE` before decoding. */
  readonly maxImagePixels: number;
}

/**
 * Reads what a version's preprocessing needs from its folder (a text model's vocabulary).
 * @throws Error naming the problem (the version then fails to load)
 */
export async function loadPreprocessor(
  manifest: Manifest,
  dir: string,
  limits: PreprocessingLimits,
): Promise<Preprocessor> {
  const { input } = manifest;
  switch (input.kind) {
    case 'signal':
    case 'tensor':
      return { kind: input.kind };
    case 'text': {
      const file = path.join(dir, input.text.vocabulary);
      const json = await readFile(file, 'utf8').catch(() => {
        throw new Error(`the vocabulary ${input.text.vocabulary} cannot be read`);
      });
      return { kind: 'text', encoder: new TextBatchEncoder(parseVocabulary(json, input.text), input.text) };
    }
    case 'image':
      return { kind: 'image', encoder: new ImageBatchEncoder(input.image, limits.maxImagePixels) };
    default:
      return assertNever(input);
  }
}
