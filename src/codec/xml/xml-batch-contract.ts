/**
 * Names and rules of the XML batch contract, version 1 (`schema/batch.v1.xsd`). The XSD is authoritative; these
 * constants exist so that the decoder and the writer agree with it without parsing it.
 */

/** Namespace of every element of a version-1 batch. */
export const BATCH_NAMESPACE = 'urn:infergraph:batch:1';

/** Local name of the root element. */
export const BATCH_ELEMENT = 'batch';

/** Local name of each sample element. */
export const SAMPLE_ELEMENT = 'sample';

/** Unqualified attribute holding a sample's id. */
export const SAMPLE_ID_ATTRIBUTE = 'id';

/** The XSD's `SampleId` type: 1–128 characters from a set that is safe to log and echo. */
export const SAMPLE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Short human name of the schema, used in error messages. */
export const SCHEMA_LABEL = 'batch.v1';
