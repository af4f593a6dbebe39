import type { Document, Element } from 'libxmljs2';

import { ErrorCode } from '../../../errors/error-code';
import { GatewayError } from '../../../errors/gateway-error';
import type { XmlDocumentView, XmlElementView, XmlName } from '../xml-engine';

/** Names are interpolated into XPath; only NCNames can be, so nothing a caller passes can change the expression. */
const NCNAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * {@link XmlDocumentView} over a libxmljs2 document. Uses only `root()`, `name()`, `namespace()?.href()`, XPath
 * `find()` with a prefix map, `line()`, `attr(name)?.value()` and `text()`.
 */
export class LibxmlDocumentView implements XmlDocumentView {
  readonly root: XmlName;

  constructor(
    /** The libxmljs2 document, for the engine's `validate`. */
    readonly document: Document,
    private readonly rootElement: Element,
  ) {
    this.root = { localName: rootElement.name(), namespaceUri: rootElement.namespace()?.href() ?? null };
  }

  countRootChildren(name?: XmlName): number {
    const [path, namespaces] = name === undefined ? ['*', {}] : childPath(name);
    const count: unknown = this.rootElement.find(`count(${path})`, namespaces);
    if (typeof count !== 'number') throw internalError();
    return count;
  }

  rootChildren(name: XmlName): readonly XmlElementView[] {
    const [path, namespaces] = childPath(name);
    return this.rootElement.find<Element>(path, namespaces).map(toElementView);
  }
}

function childPath(name: XmlName): [string, Record<string, string>] {
  if (!NCNAME.test(name.localName)) throw internalError();
  return name.namespaceUri === null
    ? [`*[local-name()='${name.localName}' and namespace-uri()='']`, {}]
    : [`n:${name.localName}`, { n: name.namespaceUri }];
}

function toElementView(element: Element): XmlElementView {
  return {
    line: element.line(),
    attribute: (localName) => element.attr(localName)?.value() ?? undefined,
    text: () => element.text(),
  };
}

function internalError(): GatewayError {
  return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'The XML batch could not be read.');
}
