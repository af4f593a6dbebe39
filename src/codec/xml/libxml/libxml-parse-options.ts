import type { ParserOptions } from 'libxmljs2';

/**
 * libxmljs2 reads `encoding` from the options object but its typings omit it.
 */
export type LibxmlParseOptions = ParserOptions & { readonly encoding: string };

/**
 * Options for every `parseXml` call the gateway makes, on uploads and on its own XSD alike.
 *
 * Why each one:
 * - `encoding: 'UTF-8'` with a Buffer input forces the decoder, so an `encoding="..."` declaration cannot switch it
 *   (the guard also refuses such declarations, this is the second lock).
 * - `nonet`: no network access, whatever the document references.
 * - `noent`, `dtdload`, `dtdattr`, `dtdvalid`, `xinclude` false: no entity substitution, no external subset, no
 *   DTD-driven defaults, no XInclude processing (an `xi:include` element stays an ordinary, schema-invalid element).
 * - `huge` false: keeps libxml's hard limits (depth 256, 10 MB text nodes and lookups), which bound the work a
 *   hostile document can cause.
 * - `nocdata`: CDATA sections become ordinary text nodes, so a sample's text is read the same way either way.
 *
 * Trap: libxmljs2 also has "inverted" option names that SET a flag when given `false` (`doctype`, `errors`,
 * `warnings`, `blanks`, `net`, `dict`, `implied`, `cdata`, `xincnode`, `basefix`). Notably `doctype: false` sets
 * bit 4, which for XML is `XML_PARSE_DTDLOAD` (load the external DTD). Never add any of them here.
 */
export const LIBXML_PARSE_OPTIONS: Readonly<LibxmlParseOptions> = Object.freeze({
  encoding: 'UTF-8',
  nonet: true,
  noent: false,
  dtdload: false,
  dtdattr: false,
  dtdvalid: false,
  xinclude: false,
  huge: false,
  nocdata: true,
});

/**
 * Without `huge`, libxml 2.9 (the version bundled with libxmljs2 0.35) fails with "Huge input lookup" once the
 * parser reads past byte 10,000,000 (`XML_MAX_LOOKUP_LIMIT`), whatever the document looks like. Uploads larger than
 * this are therefore refused before parsing.
 */
export const LIBXML_MAX_DOCUMENT_BYTES = 10_000_000;
