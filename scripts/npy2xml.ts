/**
 * Converts a `.npy` batch (float64 or float32, shape (x, L, 1) or (x, L)) into the XML batch format of
 * `schema/batch.v1.xsd`, losslessly: every value is written in JavaScript's shortest round-trip form, so the gateway
 * decodes the XML to the bit-identical float64 values.
 *
 *   npm run npy2xml -- <in.npy> <out.xml> [--id-prefix rec-]
 *
 * Ids are `<prefix><index zero-padded to 4>` (default prefix `rec-`). Non-finite values are refused. The output is
 * written to a temporary file beside the target and renamed into place, so a failed run leaves no partial file.
 */
import { once } from 'node:events';
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';

import { emptyBatchError } from '../src/codec/batch-errors';
import { inspectNpyMatrix, readNpyValues } from '../src/codec/npy/npy-matrix-reader';
import { LIBXML_MAX_DOCUMENT_BYTES } from '../src/codec/xml/libxml/libxml-parse-options';
import { assertXmlBatchSource, sequentialSampleIds, writeXmlBatch } from '../src/codec/xml/xml-batch-writer';
import { isGatewayError } from '../src/errors/gateway-error';

const USAGE = 'usage: npy2xml <in.npy> <out.xml> [--id-prefix <prefix>]';

/** Parsed command line of {@link runNpy2Xml}. */
export interface Npy2XmlArgs {
  readonly input: string;
  readonly output: string;
  readonly idPrefix: string;
}

/** What a successful conversion wrote. */
export interface Npy2XmlSummary {
  readonly count: number;
  readonly sampleLength: number;
  readonly bytes: number;
}

class UsageError extends Error {}

/** Reads `<in> <out> [--id-prefix p | --id-prefix=p]`. */
export function parseNpy2XmlArgs(argv: readonly string[]): Npy2XmlArgs {
  const positional: string[] = [];
  let idPrefix = 'rec-';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--id-prefix') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('--id-prefix needs a value');
      idPrefix = value;
    } else if (arg.startsWith('--id-prefix=')) {
      idPrefix = arg.slice('--id-prefix='.length);
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  const [input, output] = positional;
  if (positional.length !== 2 || input === undefined || output === undefined)
    throw new UsageError('expected an input and an output file');
  return { input, output, idPrefix };
}

/** Converts one file; throws `GatewayError` for bad input data and Node errors for I/O problems. */
export async function convertNpyToXml(args: Npy2XmlArgs): Promise<Npy2XmlSummary> {
  const bytes = readFileSync(args.input);
  const layout = inspectNpyMatrix(bytes);
  if (layout.count === 0) throw emptyBatchError('The .npy file holds no samples.');
  const values = readNpyValues(bytes, layout);
  const source = { values, sampleLength: layout.sampleLength, ids: sequentialSampleIds(layout.count, args.idPrefix) };
  // Refuse bad data before any file exists.
  assertXmlBatchSource(source);
  const temporary = `${args.output}.${process.pid}.tmp`;
  const sink = createWriteStream(temporary);
  try {
    await once(sink, 'open');
    const written = await writeXmlBatch(source, sink);
    sink.end();
    await finished(sink);
    renameSync(temporary, args.output);
    return { count: layout.count, sampleLength: layout.sampleLength, bytes: written };
  } catch (error) {
    sink.destroy();
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** The command: returns the process exit code (0 done, 1 conversion failed, 2 usage). */
export async function runNpy2Xml(
  argv: readonly string[],
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let args: Npy2XmlArgs;
  try {
    args = parseNpy2XmlArgs(argv);
  } catch (error) {
    stderr.write(`npy2xml: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const summary = await convertNpyToXml(args);
    stderr.write(
      `npy2xml: wrote ${summary.count} samples × ${summary.sampleLength} values (${summary.bytes} bytes) to ${args.output}\n`,
    );
    if (summary.bytes > LIBXML_MAX_DOCUMENT_BYTES) {
      stderr.write(
        `npy2xml: warning: the gateway's XML parser accepts documents up to ${LIBXML_MAX_DOCUMENT_BYTES} bytes; ` +
          'split the batch or upload the .npy directly.\n',
      );
    }
    return 0;
  } catch (error) {
    const reason = isGatewayError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    stderr.write(`npy2xml: ${reason}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runNpy2Xml(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
