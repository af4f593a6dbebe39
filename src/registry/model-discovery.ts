import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { MODEL_NAME, readManifest, type Manifest } from './manifest';

/** Where registrations are assembled before their atomic rename (inside the models folder: same file system). */
export const STAGING_FOLDER = '.staging';

/** A version folder: a positive integer. */
export const VERSION_FOLDER = /^[1-9][0-9]{0,8}$/;

/** A version found on disk: its validated manifest and folder. */
export interface DiscoveredVersion {
  readonly manifest: Manifest;
  readonly dir: string;
}

/** An upload staged longer ago than this was interrupted by a crash (another replica may be staging one right now). */
const STALE_UPLOAD_MS = 60 * 60 * 1000;

async function removeStaleUploads(staging: string): Promise<void> {
  const entries = await readdir(staging).catch(() => [] as string[]);
  for (const entry of entries) {
    const dir = path.join(staging, entry);
    const { mtimeMs } = await stat(dir);
    if (Date.now() - mtimeMs > STALE_UPLOAD_MS) await rm(dir, { recursive: true, force: true });
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/**
 * Scans `<modelsDir>/<name>/<version>/manifest.json`, oldest version first. The models folder holds served artefacts
 * only (training code lives outside it); a folder that is not a model name (the staging folder, a volume's
 * `lost+found`) or not a positive integer version cannot be addressed by a request, so it is not a version and is
 * ignored. A version whose manifest is invalid is logged and skipped, so one bad folder never keeps the others from
 * serving. Leftovers of registrations interrupted over an hour ago are removed.
 */
export async function discoverVersions(modelsDir: string, logger: Logger): Promise<DiscoveredVersion[]> {
  await removeStaleUploads(path.join(modelsDir, STAGING_FOLDER));
  const found: DiscoveredVersion[] = [];
  for (const name of (await subdirectories(modelsDir)).filter((n) => MODEL_NAME.test(n))) {
    const folders = (await subdirectories(path.join(modelsDir, name))).filter((f) => VERSION_FOLDER.test(f));
    for (const folder of folders.sort((a, b) => Number(a) - Number(b))) {
      const dir = path.join(modelsDir, name, folder);
      try {
        const manifest = await readManifest(dir);
        if (manifest.name !== name || manifest.version !== Number(folder)) {
          throw new Error(`manifest says ${manifest.name}@${manifest.version}, folder says ${name}@${folder}`);
        }
        found.push({ manifest, dir });
      } catch (error) {
        logger.error({ err: error, dir }, 'skipping model version with an invalid manifest');
      }
    }
  }
  return found;
}
