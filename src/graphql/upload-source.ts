import type { FileUpload } from 'graphql-upload-minimal';
import { safeBasename } from '../codec/detect-format';
import { ErrorCode } from '../errors/error-code';
import { GatewayError, isGatewayError } from '../errors/gateway-error';
import type { UploadSource, UploadedFile } from '../prediction/prediction.service';

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
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          total += chunk.length;
          if (total > maxBytes) {
            stream.destroy();
            throw tooLarge(maxBytes);
          }
          chunks.push(chunk);
        }
        if ((stream as { truncated?: boolean }).truncated === true) throw tooLarge(maxBytes);
        return { bytes: Buffer.concat(chunks, total), filename: safeBasename(file.filename) };
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
