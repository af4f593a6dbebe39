import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
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
 */
export function modelFileSource(upload: Promise<FileUpload>, maxBytes: number): ModelFileSource {
  return {
    async saveTo(file) {
      try {
        const stream = (await upload).createReadStream();
        const hash = createHash('sha256');
        let sizeBytes = 0;
        const meter = new Transform({
          // Past the cap chunks are dropped but still read, for the same reason as above.
          transform(chunk: Buffer, _encoding, done): void {
            sizeBytes += chunk.length;
            if (sizeBytes > maxBytes) return done();
            hash.update(chunk);
            done(null, chunk);
          },
        });
        await pipeline(stream, meter, createWriteStream(file, { flags: 'wx', flush: true }));
        if (sizeBytes > maxBytes || (stream as { truncated?: boolean }).truncated === true) throw tooLarge(maxBytes);
        return { sizeBytes, sha256: hash.digest('hex') };
      } catch (error) {
        throw uploadError(error, maxBytes);
      }
    },
    discard(): void {
      drainUpload(upload);
    },
  };
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
