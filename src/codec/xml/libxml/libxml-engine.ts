import { parseXml, type Document } from 'libxmljs2';

import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import type { XmlDocumentView, XmlEngine, XmlSchemaViolation } from '../xml-engine';
import { LibxmlDocumentView } from './libxml-document';
import { levelOf, LIBXML_LEVEL_ERROR, toMalformedError } from './libxml-errors';
import { LIBXML_MAX_DOCUMENT_BYTES, LIBXML_PARSE_OPTIONS } from './libxml-parse-options';
import type { XsdSchema } from './xsd-schema';

/**
 * The production {@link XmlEngine}: libxmljs2 with the options in `libxml-parse-options.ts`, validating against
 * one {@link XsdSchema} loaded at start-up.
 */
export function createLibxmlEngine(schema: XsdSchema): XmlEngine {
  return {
    maxDocumentBytes: LIBXML_MAX_DOCUMENT_BYTES,
    parse: parseDocument,
    validate(view: XmlDocumentView): readonly XmlSchemaViolation[] {
      if (!(view instanceof LibxmlDocumentView)) {
        throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'The XML batch could not be validated.');
      }
      return schema.validate(view.document);
    },
  };
}

function parseDocument(bytes: Buffer): LibxmlDocumentView {
  let document: Document;
  try {
    // A Buffer (not a string) is what makes libxmljs2 honour `encoding`; its typings only mention strings.
    document = parseXml(bytes as unknown as string, LIBXML_PARSE_OPTIONS);
  } catch (error) {
    throw toMalformedError(error);
  }
  // Namespace errors (e.g. an undeclared prefix) are not fatal to libxml, but the document is not usable.
  const firstError = (document.errors ?? []).find((error) => levelOf(error) >= LIBXML_LEVEL_ERROR);
  if (firstError !== undefined) throw toMalformedError(firstError);
  const root = document.root();
  if (root === null) throw toMalformedError({ message: 'the document has no root element' });
  return new LibxmlDocumentView(document, root);
}
