import { Mutex } from 'async-mutex';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectNpyMatrix } from '../codec/npy/npy-matrix-reader';
import { encodeFloat64Npy } from '../codec/npy/npy-matrix-writer';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { InferenceBackend } from '../inference/backend';
import type { LifecycleJournal } from './lifecycle-journal';
import { MODEL_NAME, manifestProblems, type Manifest } from './manifest';
import { contractChanges, draftFields, type ManifestDraft } from './manifest-draft';
import { STAGING_FOLDER, VERSION_FOLDER } from './model-discovery';
import type { ModelRegistry } from './model-registry';
import { ModelVersion } from './model-version';

/** An uploaded model file as the ingest needs it, independent of the multipart library. */
export interface ModelFileSource {
  /** Streams the file into `file` (which must not exist); rejects with `FILE_TOO_LARGE` or `UPLOAD_FAILED`. */
  saveTo(file: string): Promise<{ readonly sizeBytes: number; readonly sha256: string }>;
  /** Drains the file without keeping it, when the request fails before it is read. */
  discard(): void;
}

/** What a {@link ModelIngestService} works with. */
export interface ModelIngestOptions {
  readonly modelsDir: string;
  readonly registry: ModelRegistry;
  /**
   * A backend of its own for each validation (`registerModel` runs an untrusted file), closed when the validation
   * ends or runs out of time: closing it must end a run that would not return (a child process, killed).
   */
  readonly validationBackend: () => InferenceBackend;
  /** How long a validation (open, signature, a batch of zeros) may take before the file is `MODEL_INVALID`. */
  readonly validationTimeoutMs: number;
  readonly journal: LifecycleJournal;
  readonly batchMaxSize: number;
}

const MODEL_FILE = 'model.onnx';
const GOLDEN_INPUTS = 'heldout/inputs.npy';
const GOLDEN_OUTPUTS = 'heldout/expected_outputs.npy';

const invalid = (message: string, problems: readonly string[] = []): GatewayError =>
  new GatewayError(ErrorCode.MANIFEST_INVALID, message, { problems: [...problems] });

/**
 * `registerModel`: takes an uploaded ONNX file, checks it before keeping it (ONNX Runtime opens it, its signature
 * matches the manifest and the model's contract, it runs a batch), and moves it into `<models>/<name>/<version>` with
 * one atomic rename. Until that rename everything lives in a staging folder that any failure removes, so a rejected or
 * interrupted upload leaves no file and no version behind.
 */
export class ModelIngestService {
  /** Version numbers are taken, and folders renamed, one registration at a time. */
  private readonly commits = new Mutex();

  constructor(private readonly options: ModelIngestOptions) {}

  async register(name: string, file: ModelFileSource, draft: ManifestDraft, actor: string): Promise<ModelVersion> {
    if (!MODEL_NAME.test(name)) {
      file.discard();
      throw new GatewayError(
        ErrorCode.BAD_USER_INPUT,
        'A model name is 1–64 lowercase letters, digits, ".", "_" or "-".',
        { model: name },
      );
    }
    let staging: string;
    try {
      staging = await this.stagingFolder();
    } catch (error) {
      file.discard();
      throw error;
    }
    try {
      const manifest = await this.stage(name, file, draft, staging);
      await this.validate(manifest, staging);
      const version = await this.commit(manifest, staging, actor);
      this.options.journal.record({
        actor,
        model: name,
        version: version.version,
        event: 'model.register',
        result: 'REGISTERED',
        detail: `sha256 ${manifest.sha256}, ${manifest.sizeBytes} bytes`,
      });
      return version;
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      const reason = isGatewayError(error) ? `${error.code}: ${error.message}` : 'internal error';
      this.options.journal.record({
        actor,
        model: name,
        version: null,
        event: 'model.register',
        result: 'REJECTED',
        detail: reason,
      });
      throw error;
    }
  }

  private async stagingFolder(): Promise<string> {
    const root = path.join(this.options.modelsDir, STAGING_FOLDER);
    await mkdir(root, { recursive: true });
    return mkdtemp(path.join(root, 'upload-'));
  }

  /** Saves the file and writes the golden data into the staging folder; returns the manifest to check. */
  private async stage(name: string, file: ModelFileSource, draft: ManifestDraft, staging: string): Promise<Manifest> {
    const { sha256, sizeBytes } = await file.saveTo(path.join(staging, MODEL_FILE));
    if (sizeBytes === 0) throw new GatewayError(ErrorCode.MODEL_INVALID, 'The uploaded file is empty.');
    const previous = this.options.registry.get(name)?.versions.at(-1);
    if (previous === undefined && (draft.inputs == null || draft.outputs == null || draft.labels == null)) {
      throw invalid(`"${name}" is a new model: its manifest must give inputs, outputs and labels.`);
    }
    const changes = previous === undefined ? [] : contractChanges(previous.manifest, draft);
    if (changes.length > 0) {
      throw new GatewayError(
        ErrorCode.MODEL_SIGNATURE_MISMATCH,
        `A new version of "${name}" must keep the model's contract.`,
        { problems: changes },
      );
    }
    const heldout = await this.stageGolden(draft, previous, staging);
    const raw = {
      ...draftFields(draft, previous?.manifest),
      name,
      version: this.options.registry.nextVersion(name),
      file: MODEL_FILE,
      sha256,
      sizeBytes,
      ...(heldout ? { heldout } : {}),
    };
    const manifest = manifestProblems(raw);
    if (Array.isArray(manifest)) throw invalid('The manifest is not valid.', manifest);
    return manifest;
  }

  /** Copies the model's reference inputs and writes the expected outputs the client gave for them. */
  private async stageGolden(
    draft: ManifestDraft,
    previous: ModelVersion | undefined,
    staging: string,
  ): Promise<Manifest['heldout']> {
    const golden = draft.goldenOutputs;
    if (golden == null) return undefined;
    const reference = previous?.manifest.heldout;
    if (previous === undefined || reference === undefined) {
      throw invalid('goldenOutputs need reference inputs: the previous version declares no golden inputs.');
    }
    const source = path.join(previous.dir, reference.inputs);
    const rows = inspectNpyMatrix(await readFile(source)).count;
    const width = previous.manifest.labels.length;
    if (
      golden.length === 0 ||
      golden.length > rows ||
      golden.some((row) => row.length !== width || row.some((v) => !Number.isFinite(v)))
    ) {
      throw invalid(
        `goldenOutputs must be 1 to ${rows} rows of ${width} finite numbers (outputs of the reference inputs, in order).`,
      );
    }
    await mkdir(path.join(staging, 'heldout'));
    await copyFile(source, path.join(staging, GOLDEN_INPUTS));
    await writeFile(
      path.join(staging, GOLDEN_OUTPUTS),
      encodeFloat64Npy(Float64Array.from(golden.flat()), [golden.length, width]),
    );
    return { inputs: GOLDEN_INPUTS, expectedOutputs: GOLDEN_OUTPUTS };
  }

  /** Opens the staged file in ONNX Runtime, compares its signature with the manifest, and runs one batch. */
  private async validate(manifest: Manifest, staging: string): Promise<void> {
    const { validationTimeoutMs: limitMs } = this.options;
    const probe = new ModelVersion(manifest, staging, this.options.batchMaxSize);
    const backend = this.options.validationBackend();
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time up'>((resolve) => (timer = setTimeout(() => resolve('time up'), limitMs)));
    let state: Awaited<ReturnType<ModelVersion['load']>> | 'time up';
    try {
      state = await Promise.race([probe.load(backend), timeUp]);
      if (state !== 'time up') await probe.unload();
    } finally {
      clearTimeout(timer);
      // Ends the run too when it is still going (the load then settles as FAILED, unobserved).
      await backend.close();
    }
    if (state === 'time up') {
      throw new GatewayError(
        ErrorCode.MODEL_INVALID,
        `The uploaded file's validation run exceeded the time limit (${limitMs} ms): opening it and running one ` +
          'batch must end within MODEL_VALIDATION_TIMEOUT_MS.',
        { stage: 'TIME_LIMIT' },
      );
    }
    if (state.status !== 'FAILED') return;
    const code = state.stage === 'SIGNATURE' ? ErrorCode.MODEL_SIGNATURE_MISMATCH : ErrorCode.MODEL_INVALID;
    const what =
      state.stage === 'SIGNATURE' ? 'does not match its manifest' : 'is not a model ONNX Runtime can open and run';
    throw new GatewayError(code, `The uploaded file ${what}: ${state.reason.split(staging).join('<upload>')}`, {
      stage: state.stage,
    });
  }

  /** Takes the next version number, writes the manifest, and renames the staging folder into place. */
  private async commit(staged: Manifest, staging: string, actor: string): Promise<ModelVersion> {
    return this.commits.runExclusive(async () => {
      const modelDir = path.join(this.options.modelsDir, staged.name);
      await mkdir(modelDir, { recursive: true });
      // A folder the registry skipped (an invalid manifest, say) still holds its number: never rename onto it.
      const onDisk = (await readdir(modelDir)).filter((f) => VERSION_FOLDER.test(f)).map(Number);
      const manifest = {
        ...staged,
        version: Math.max(this.options.registry.nextVersion(staged.name), ...onDisk.map((v) => v + 1)),
      };
      await writeFile(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flush: true });
      const dir = path.join(modelDir, String(manifest.version));
      await rename(staging, dir);
      const version = this.options.registry.add(manifest, dir, actor);
      this.options.registry.ensureProduction(manifest.name, actor);
      return version;
    });
  }
}
