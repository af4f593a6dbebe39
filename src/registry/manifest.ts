import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { inputKindProblems, inputKindSchema, relativePath } from './input-kind';

const tensorSpec = z.object({
  name: z.string().min(1),
  dtype: z.enum(['float64', 'float32', 'int64', 'int32']),
  shape: z.array(z.union([z.number().int().positive(), z.string().min(1)])).min(1),
});

/** Model names become URL and folder segments: keep them to a safe alphabet. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const manifestSchema = z
  .object({
    name: z.string().regex(MODEL_NAME),
    version: z.number().int().positive(),
    description: z.string().default(''),
    file: z.string().regex(/^[A-Za-z0-9._-]+\.onnx$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    sizeBytes: z.number().int().positive(),
    inputs: z.array(tensorSpec).length(1),
    /** What requests send (signals, images, text or tensors) and how it becomes the input tensor. */
    input: inputKindSchema,
    outputs: z.array(tensorSpec).length(1),
    labels: z.array(z.string().min(1)).min(1),
    maxBatchSize: z.number().int().positive().optional(),
    /** Golden data for the promotion gate: inputs and the outputs they must reproduce (paths inside the version). */
    heldout: z.object({ inputs: relativePath, expectedOutputs: relativePath }).passthrough().optional(),
  })
  .passthrough();

/** A validated `manifest.json`: the contract of one model version. Unknown keys are kept in `extra`. */
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Reads and validates `<dir>/manifest.json`.
 * @throws Error with a message naming every problem (shown to operators in logs, not to clients).
 */
export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, 'manifest.json');
  const problems = manifestProblems(JSON.parse(await readFile(file, 'utf8')));
  if (Array.isArray(problems)) throw new Error(`${file}: ${problems.join('; ')}`);
  return problems;
}

/** Validates a manifest object: the manifest, or every problem found (`path: message`). */
export function manifestProblems(raw: unknown): Manifest | string[] {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const manifest = parsed.data;
  const problems = [...dynamicAxisProblems(manifest), ...inputKindProblems(manifest.input, manifest.inputs[0])];
  const output = manifest.outputs[0];
  const width = output?.shape[output.shape.length - 1];
  if (typeof width === 'number' && width !== manifest.labels.length)
    problems.push(`labels: ${manifest.labels.length} labels for ${width} outputs`);
  return problems.length > 0 ? problems : manifest;
}

/** Requests are batches of fixed-size samples: an input's axes after the first (the batch axis) must be numbers. */
function dynamicAxisProblems(manifest: Manifest): string[] {
  return manifest.inputs.flatMap((input, i) =>
    input.shape.flatMap((d, axis) =>
      axis > 0 && typeof d !== 'number'
        ? [`inputs.${i}.shape.${axis}: "${d}" is dynamic, but only the batch axis (the first) may be dynamic`]
        : [],
    ),
  );
}
