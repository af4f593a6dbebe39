import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileUpload } from 'graphql-upload-minimal';
import { safeBasename } from '../codec/detect-format';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { UploadSource, UploadedFile } from '../prediction/prediction.service';
import type { ModelFileSource } from '../registry/model-ingest.service';

function tooLarge(limit: number): GatewayError {
  return new GatewayError(ErrorCode.FILE_TOO_LARGE, `The file exceeds the ${limit}-byte upload limit.`, { limit });
}

/** graphql-upload-minimal signals limits with an `HttpError` carrying `status`; everything else is a broken upload. */
function uploadError(error: unknown, limit: number): GatewayError {
  if (isGatewayError(error)) return error;
  if ((error as { status?: unknown } | null)?.status === 413) return tooLarge(limit);
  return new GatewayError(ErrorCode.UPLOAD_FAILED, 'The uploaded file could not be read.', {}, { cause: error });
}

/**
 * Adapts a multipart `Upload` to the prediction service. The byte cap is checked while streaming and against
 * busboy's truncation flag, so a file cut at the limit is never handed to a parser.
 */
export function uploadSource(upload: Promise<FileUpload>, maxBytes: number): UploadSource {
  return {
    async read(): Promise<UploadedFile> {
      try {
        const file = await upload;
        const stream = file.createReadStream();
        const chunks: Buffer[] = [];
        let total = 0;
        // Past the cap the rest is read and dropped rather than the stream destroyed: an unread request body would
        // be left on a keep-alive connection and break the client's next request.
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total <= maxBytes) chunks.push(chunk);
        }
        if (total > maxBytes || (stream as { truncated?: boolean }).truncated === true) throw tooLarge(maxBytes);
        return { bytes: sharedConcat(chunks, total), filename: safeBasename(file.filename) };
      } catch (error) {
        throw uploadError(error, maxBytes);
      }
    },
    discard(): void {
      drainUpload(upload);
    },
  };
}

/** Reads and drops an upload nobody will read, so the rest of the request body keeps flowing. */
export function drainUpload(upload: Promise<FileUpload>): void {
  upload.then(
    (file) => {
      try {
        file.createReadStream().resume();
      } catch {
        // Already read, or failed: nothing left to drain.
      }
    },
    () => undefined,
  );
}

/**
 * Adapts a multipart `Upload` to model registration: streams it to a file, hashing on the way, and stops at `maxBytes`.
 * The target is opened with `wx` so an existing file is never overwritten, and flushed before the promise resolves.
 * Past the cap (this one, or the upload library's) the save fails at once and the partial file is removed; the rest
 * of the upload is still read and dropped, so the request body keeps flowing.
 */
export function modelFileSource(upload: Promise<FileUpload>, maxBytes: number): ModelFileSource {
  return {
    async saveTo(file) {
      let stream: Readable | undefined;
      try {
        stream = (await upload).createReadStream();
        return await saveCapped(stream, file, maxBytes);
      } catch (error) {
        stream?.resume();
        await rm(file, { force: true });
        throw uploadError(error, maxBytes);
      }
    },
    discard(): void {
      drainUpload(upload);
    },
  };
}

/**
 * Writes `stream` to `file` up to `maxBytes`. At its own file-size limit graphql-upload-minimal emits `limit` on the
 * stream and unpipes it: a pipeline from the stream would wait forever, so `limit` (and an `error` on the stream,
 * which the library also answers with an unpipe) fails the write side here. Settles only once the file is closed.
 */
async function saveCapped(
  stream: Readable,
  file: string,
  maxBytes: number,
): Promise<{ readonly sizeBytes: number; readonly sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done): void {
      sizeBytes += chunk.length;
      if (sizeBytes > maxBytes) return done(tooLarge(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const out = createWriteStream(file, { flags: 'wx', flush: true });
  const onLimit = (): void => void meter.destroy(tooLarge(maxBytes));
  const onError = (error: Error): void => void meter.destroy(error);
  stream.once('limit', onLimit).once('error', onError);
  try {
    stream.pipe(meter);
    await pipeline(meter, out);
  } finally {
    stream.off('limit', onLimit).off('error', onError);
    if (!out.closed) await new Promise<void>((closed) => out.once('close', () => closed()));
  }
  if ((stream as { truncated?: boolean }).truncated === true) throw tooLarge(maxBytes);
  return { sizeBytes, sha256: hash.digest('hex') };
}

/**
 * The chunks in one buffer of shared memory (the one copy `Buffer.concat` would make anyway): the decoded values
 * of a `.npy` upload are a view of it, and the inference worker reads them there.
 */
function sharedConcat(chunks: readonly Buffer[], total: number): Buffer {
  const bytes = Buffer.from(new SharedArrayBuffer(total));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
