import { readFileSync } from 'node:fs';
import { parseXml, type Document } from 'libxmljs2';

import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import { BATCH_NAMESPACE } from '../xml-batch-contract';
import type { XmlSchemaViolation } from '../xml-engine';
import { toViolations } from './libxml-errors';
import { LIBXML_PARSE_OPTIONS } from './libxml-parse-options';

const XS = { xs: 'http://www.w3.org/2001/XMLSchema' };

/**
 * Constructs the contract forbids: imports would make compilation reach for other files or the network, identity
 * constraints would make validation cost grow with the number of ids.
 */
const FORBIDDEN_CONSTRUCTS =
  '//xs:import | //xs:include | //xs:redefine | //xs:override | //xs:key | //xs:keyref | //xs:unique';

/** Smallest valid batch: loading fails unless the schema compiles and accepts it. */
const PROBE = Buffer.from(`<batch xmlns="${BATCH_NAMESPACE}"><sample>0</sample></batch>`, 'utf8');

/**
 * The batch XSD, parsed once and kept for the life of the process.
 *
 * libxmljs2 compiles the schema document on every `validate()` call (it has no API to keep a compiled
 * `xmlSchema`); the schema is tiny, so this costs well under a millisecond.
 */
export class XsdSchema {
  private constructor(private readonly schemaDocument: Document) {}

  /** Parses and checks an XSD held in memory (used directly by tests; the app uses {@link loadXsdSchema}). */
  static fromBytes(bytes: Buffer): XsdSchema {
    let document: Document;
    try {
      document = parseXml(bytes as unknown as string, LIBXML_PARSE_OPTIONS);
    } catch (error) {
      throw schemaLoadError('it is not well-formed XML', error);
    }
    const root = document.root();
    if (root === null || root.find(FORBIDDEN_CONSTRUCTS, XS).length > 0) {
      throw schemaLoadError('it must be a self-contained XSD without identity constraints');
    }
    const schema = new XsdSchema(document);
    const probeErrors = schema.validate(parseXml(PROBE as unknown as string, LIBXML_PARSE_OPTIONS));
    if (probeErrors.length > 0) {
      throw schemaLoadError(`it rejects a minimal batch (${probeErrors[0]?.message ?? 'unknown'})`);
    }
    return schema;
  }

  /**
   * Validates a document parsed by libxmljs2. Only the libxml engine calls this; it is public because the engine
   * lives in another file of this folder.
   */
  validate(target: Document): XmlSchemaViolation[] {
    let valid: boolean;
    try {
      valid = target.validate(this.schemaDocument);
    } catch (error) {
      // Only a broken schema makes libxmljs2 throw here; loading rules that out, so this is a bug, not bad input.
      throw schemaLoadError('it could not be compiled', error);
    }
    if (valid) return [];
    const violations = toViolations(target.validationErrors ?? []);
    // libxml reports "invalid" with no error only if it failed internally; never let that pass as valid.
    return violations.length > 0 ? violations : [{ line: null, message: 'document rejected by the schema' }];
  }
}

/**
 * Reads and checks the batch XSD. Call once at start-up and pass the result to `createLibxmlEngine`; a broken or
 * non-self-contained schema fails here rather than on the first upload.
 */
export function loadXsdSchema(path: string): XsdSchema {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw schemaLoadError('the file could not be read', error);
  }
  return XsdSchema.fromBytes(bytes);
}

function schemaLoadError(reason: string, cause?: unknown): GatewayError {
  // The path stays out of the message on purpose; operators find it in `cause` and in their configuration.
  return new GatewayError(
    ErrorCode.INTERNAL_SERVER_ERROR,
    `The XML batch schema could not be loaded: ${reason}.`,
    {},
    { cause },
  );
}
