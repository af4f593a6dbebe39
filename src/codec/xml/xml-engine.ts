/**
 * The narrow view of an XML library the batch decoder depends on. Only `src/codec/xml/libxml/` implements it with
 * libxmljs2; tests implement it with plain objects. Keeping it this small is deliberate: every libxml call the
 * gateway makes on hostile input is listed here, and none of them is one of the node APIs named in the 2024
 * libxmljs2 advisories (`attrs()`, `namespaces()`).
 */
export interface XmlEngine {
  /**
   * Largest document, in bytes, that the engine can parse. Bigger uploads are refused up front with
   * `FILE_TOO_LARGE` instead of failing inside the parser with a confusing message.
   */
  readonly maxDocumentBytes: number;

  /**
   * Parses bytes that already passed the XML guard (UTF-8, no DTD). Must throw only `GatewayError`
   * (`XML_MALFORMED` for documents that are not well-formed).
   */
  parse(bytes: Buffer): XmlDocumentView;

  /** Validates a document returned by {@link parse} against the batch schema; empty when valid. */
  validate(document: XmlDocumentView): readonly XmlSchemaViolation[];
}

/** An expanded element name. */
export interface XmlName {
  readonly localName: string;
  /** Null for an element in no namespace. */
  readonly namespaceUri: string | null;
}

/** A parsed document, reduced to what reading a batch needs. */
export interface XmlDocumentView {
  /** Name of the root element. */
  readonly root: XmlName;
  /** Element children of the root; when `name` is given, only those with that expanded name. */
  countRootChildren(name?: XmlName): number;
  /** Element children of the root with the given expanded name, in document order. */
  rootChildren(name: XmlName): readonly XmlElementView[];
}

/** One element, reduced to what reading a sample needs. */
export interface XmlElementView {
  /** 1-based line of the start tag (libxml saturates at 65535). */
  readonly line: number;
  /** Value of an unqualified attribute, or undefined when absent. */
  attribute(localName: string): string | undefined;
  /** Concatenated character data of the element (text and CDATA; comments and PIs excluded). */
  text(): string;
}

/** One schema-validation problem as libxml reports it. */
export interface XmlSchemaViolation {
  readonly line: number | null;
  readonly message: string;
}
