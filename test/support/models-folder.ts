import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const SHIPPED = path.join(REPO, 'models', 'ecg-rhythm', '1');

/** The retrained `ecg-rhythm` fixture: the shipped contract, 100 % label agreement, different probabilities. */
export const RETRAINED_ONNX = path.join(REPO, 'test', 'fixtures', 'onnx', 'ecg-rhythm-retrained.onnx');

/**
 * A temp models folder with `ecg-rhythm` versions built from the shipped one: each entry is a version number and,
 * optionally, another ONNX file to serve under the shipped manifest (checksum and size updated, no golden data, as
 * golden data belongs to the shipped file).
 */
export function ecgModelsFolder(versions: readonly { version: number; onnx?: string }[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'infergraph-models-'));
  const manifest = JSON.parse(readFileSync(path.join(SHIPPED, 'manifest.json'), 'utf8'));
  for (const { version, onnx } of versions) {
    const dir = path.join(root, 'ecg-rhythm', String(version));
    cpSync(SHIPPED, dir, { recursive: true });
    if (onnx === undefined) {
      writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, version }));
      continue;
    }
    const bytes = readFileSync(onnx);
    writeFileSync(path.join(dir, 'model.onnx'), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ ...manifest, version, sha256, sizeBytes: bytes.length, heldout: undefined }),
    );
  }
  return root;
}
