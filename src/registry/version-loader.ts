import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { InferenceBackend, InferenceSession } from '../inference/backend';
import type { RunPlan } from '../inference/batch-runner';
import type { Manifest } from './manifest';
import { checkSignature } from './signature';

/**
 * Where a load failed: the file on disk (missing, or not the one the manifest names), the runtime (not a model it
 * can open), the signature (not the manifest's inputs and outputs), or the warm-up run.
 */
export type LoadStage = 'FILE' | 'RUNTIME' | 'SIGNATURE' | 'WARMUP';

/** A load failure and the stage it happened at (anything else thrown while loading counts as `RUNTIME`). */
export class LoadFailure extends Error {
  constructor(
    readonly stage: LoadStage,
    message: string,
  ) {
    super(message);
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Opens a version's file once it has proven to be the one its manifest names (size, then sha256), and checks the
 * runtime's view of its inputs and outputs against the manifest.
 * @throws LoadFailure at stage `FILE` or `SIGNATURE`; the runtime's own error when it cannot open the file.
 */
export async function openVerified(
  manifest: Manifest,
  dir: string,
  backend: InferenceBackend,
): Promise<InferenceSession> {
  const file = path.join(dir, manifest.file);
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size !== manifest.sizeBytes)
    throw new LoadFailure('FILE', `size ${String(size)} differs from manifest ${manifest.sizeBytes}`);
  const digest = await sha256Of(file);
  if (digest !== manifest.sha256) throw new LoadFailure('FILE', `sha256 ${digest} differs from manifest`);
  const session = await backend.open(file);
  const mismatch = checkSignature(manifest, session);
  if (mismatch !== undefined) {
    await session.release();
    throw new LoadFailure('SIGNATURE', mismatch);
  }
  return session;
}

/**
 * Runs one full batch of zeros, so the first request does not pay for allocation and a model that opens but cannot
 * run (or returns the wrong width) fails its load. Releases the session when it fails.
 * @throws LoadFailure at stage `WARMUP`.
 */
export async function warmUp(
  session: InferenceSession,
  plan: RunPlan,
  sampleLength: number,
  width: number,
): Promise<void> {
  const batch = plan.maxBatchSize;
  try {
    const out = await session.run({ data: new Float64Array(batch * sampleLength), dims: [batch, ...plan.sampleDims] });
    if (out.data.length !== batch * width)
      throw new Error(`it returned ${out.data.length} values for ${batch} samples of ${width} labels`);
  } catch (error) {
    await session.release();
    throw new LoadFailure(
      'WARMUP',
      `the warm-up run failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
