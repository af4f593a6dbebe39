import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../src/registry/manifest';
import { ModelVersion } from '../../src/registry/model-version';

/**
 * A model version in a fresh temp folder, shaped for the fake backend (input `[N, 4, 1]`, output `[N, 2]`): a
 * stand-in file whose checksum the manifest records, so the real load checks pass. `manifest` extends it.
 */
export function fakeVersion(version = 1, manifest: Partial<Manifest> = {}, batchMaxSize = 32): ModelVersion {
  const dir = mkdtempSync(path.join(tmpdir(), 'infergraph-version-'));
  const bytes = Buffer.from(`fake model ${version}`);
  writeFileSync(path.join(dir, 'model.onnx'), bytes);
  const full = {
    name: 'm',
    version,
    description: '',
    file: 'model.onnx',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    inputs: [{ name: 'signal', dtype: 'float64', shape: ['N', 4, 1] }],
    outputs: [{ name: 'probabilities', dtype: 'float64', shape: ['N', 2] }],
    labels: ['a', 'b'],
    ...manifest,
  } as Manifest;
  return new ModelVersion(full, dir, batchMaxSize);
}
