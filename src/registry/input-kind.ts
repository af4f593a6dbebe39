import { z } from 'zod';
import { assertNever } from '../lib/assert-never';

/** A path inside a version's folder: plain segments, never `..` or absolute. */
export const relativePath = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/)
  .refine((p) => !p.split('/').includes('..'), 'must stay inside the version folder');

const dimension = (max: number) => z.number().int().min(1).max(max);

/**
 * How an image becomes the model's tensor: decoded, made grey or RGB, fitted into `width`×`height`, then
 * `(v · scale − mean[c]) / std[c]` per channel, laid out NCHW or NHWC.
 */
const imagePreprocessing = z.object({
  width: dimension(4096),
  height: dimension(4096),
  channels: z.union([z.literal(1), z.literal(3)]),
  layout: z.enum(['NCHW', 'NHWC']),
  /** `contain`: the whole image, aspect kept, centred on `background`; `fill`: stretched to the size. */
  fit: z.enum(['contain', 'fill']).default('contain'),
  /** The padding's value (0–255) before scaling. */
  background: z.number().min(0).max(255).default(0),
  /**
   * `light-on-dark`: an image whose border is light (mean over 127) is inverted first, so that the model always
   * sees light strokes on a dark ground (as MNIST's); `as-is`: never inverted.
   */
  polarity: z.enum(['as-is', 'light-on-dark']).default('as-is'),
  scale: z.number().positive(),
  mean: z.array(z.number()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
});

/** How text becomes token ids: the tokenizer, its vocabulary (a file of the version), and the length. */
const textPreprocessing = z.object({
  tokenizer: z.literal('infergraph-words-1'),
  vocabulary: relativePath,
  maxLength: dimension(4096),
  padId: z.number().int().min(0),
  unknownId: z.number().int().min(0),
  /** Longest text accepted, in characters (code points), before `TEXT_TOO_LONG`. */
  maxChars: dimension(100_000).default(1_000),
});

/** What a version takes, declared by its manifest (`input`); a manifest without it takes signals. */
export const inputKindSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('signal') }),
    z.object({ kind: z.literal('image'), image: imagePreprocessing }),
    z.object({ kind: z.literal('text'), text: textPreprocessing }),
    z.object({ kind: z.literal('tensor') }),
  ])
  .default({ kind: 'signal' });

/** A version's input kind and its preprocessing. */
export type InputKind = z.infer<typeof inputKindSchema>;

/** The kinds' names, also the GraphQL enum's values (lowercase in manifests). */
export type InputKindName = InputKind['kind'];

/** The model's single input as the manifest declares it. */
interface DeclaredInput {
  readonly dtype: string;
  readonly shape: readonly (number | string)[];
}

/**
 * Where a manifest's `input` disagrees with its declared tensor (and so with the ONNX signature, which loading
 * checks against that tensor): the shape an image or a text becomes must be the input's, in a type the input has.
 */
export function inputKindProblems(kind: InputKind, input: DeclaredInput | undefined): string[] {
  if (input === undefined) return [];
  const sample = input.shape.slice(1);
  const expect = (shape: readonly number[], dtypes: readonly string[]): string[] => {
    const problems: string[] = [];
    if (sample.length !== shape.length || sample.some((d, i) => d !== shape[i]))
      problems.push(
        `input: this ${kind.kind} preprocessing makes [N, ${shape.join(', ')}], but inputs.0.shape is [${input.shape.join(', ')}]`,
      );
    if (!dtypes.includes(input.dtype))
      problems.push(
        `input: this ${kind.kind} preprocessing makes ${dtypes.join(' or ')}, but inputs.0.dtype is ${input.dtype}`,
      );
    return problems;
  };
  switch (kind.kind) {
    case 'signal':
    case 'tensor':
      return [];
    case 'image': {
      const { width, height, channels, layout, mean, std } = kind.image;
      const perChannel = [mean, std].flatMap((values, i) =>
        values.length === channels
          ? []
          : [`input.image.${i === 0 ? 'mean' : 'std'}: ${values.length} values for ${channels} channels`],
      );
      const shape = layout === 'NCHW' ? [channels, height, width] : [height, width, channels];
      return [...perChannel, ...expect(shape, ['float32', 'float64'])];
    }
    case 'text': {
      const { padId, unknownId, maxLength } = kind.text;
      const ids = padId === unknownId ? ['input.text: padId and unknownId must differ'] : [];
      return [...ids, ...expect([maxLength], ['int64', 'int32'])];
    }
    default:
      return assertNever(kind);
  }
}
