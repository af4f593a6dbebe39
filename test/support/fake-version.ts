import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../src/registry/manifest';
import { ModelVersion } from '../../src/registry/model-version';

/**
 * Writes a stand-in model file into `dir` and returns a manifest that records its checksum and size, shaped for the
 * fake backend (input `[N, 4, 1]`, output `[N, 2]`), so the real load checks pass. `patch` overrides any field.
 */
export function fakeModelFiles(
  dir: string,
  name: string,
  version: number,
  patch: Record<string, unknown> = {},
): Manifest {
  const bytes = Buffer.from(`fake model ${name} ${version}`);
  writeFileSync(path.join(dir, 'model.onnx'), bytes);
  return {
    name,
    version,
    description: '',
    file: 'model.onnx',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
    input: { kind: 'signal' },
    outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
    labels: ['a', 'b'],
    ...patch,
  };
}

/** A {@link fakeModelFiles} version in a fresh temp folder, as an in-memory `ModelVersion`. */
export function fakeVersion(version = 1, manifest: Partial<Manifest> = {}, batchMaxSize = 32): ModelVersion {
  const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-version-'));
  return new ModelVersion(fakeModelFiles(dir, 'm', version, manifest), dir, batchMaxSize);
}
