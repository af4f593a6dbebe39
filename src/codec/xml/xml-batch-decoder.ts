import { ErrorCode } from '../../errors/error-code';
import { GatewayError, isGatewayError } from '../../errors/gateway-error';
import { emptyBatchError, nonFiniteValueError, tooManySamplesError, wrongSampleLengthError } from '../batch-errors';
import type { BatchDecoder, BatchExpectation, SignalBatch } from '../signal-batch';
import { NO_INSTRUMENTATION, Stage, type Instrumentation } from '../../telemetry/instrumentation';
import { readSampleValues } from './sample-values';
import {
  BATCH_ELEMENT,
  BATCH_NAMESPACE,
  SAMPLE_ELEMENT,
  SAMPLE_ID_ATTRIBUTE,
  SAMPLE_ID_PATTERN,
  SCHEMA_LABEL,
} from './xml-batch-contract';
import { guardXmlBytes } from './xml-bytes-guard';
import type { XmlDocumentView, XmlElementView, XmlEngine, XmlName, XmlSchemaViolation } from './xml-engine';
import { sharedFloat64Array } from '../../lib/worker-thread';

/** How many schema problems are returned in `details.errors`. */
const MAX_REPORTED_VIOLATIONS = 5;

const SAMPLE: XmlName = { localName: SAMPLE_ELEMENT, namespaceUri: BATCH_NAMESPACE };

/** Dependencies of {@link createXmlBatchDecoder}. */
export interface XmlBatchDecoderOptions {
  readonly engine: XmlEngine;
  /** Upload size limit for XML; the engine's own `maxDocumentBytes` applies too, whichever is smaller. */
  readonly maxXmlBytes: number;
  /** Spans and timings of the parse, validation and value steps. */
  readonly instrumentation?: Instrumentation;
}

/**
 * A schema-valid XML batch whose values are read on demand, in order: the XML worker reads a large upload in parts
 * so that its first batches run while the rest is read. `ids` and `values` are allocated whole and filled up to `read`.
 */
export interface XmlBatchReader {
  readonly count: number;
  readonly sampleLength: number;
  readonly ids: string[];
  /** Shared memory: the XML worker hands it over, and the inference worker receives it, without a copy. */
  readonly values: Float64Array;
  /** Samples read so far. */
  readonly read: number;
  /** Reads the samples before `upTo` (an `xml.values` stage); throws the `GatewayError` of the first bad one. */
  readTo(upTo: number): void;
}

/** Opens and reads XML batches; see {@link createXmlBatchDecoder}. */
export interface XmlBatchDecoder extends BatchDecoder {
  /** Guards, parses, counts and validates, then leaves the values to {@link XmlBatchReader.readTo}. */
  open(bytes: Buffer, expect: BatchExpectation): XmlBatchReader;
}

/**
 * Decodes XML batches (contract `schema/batch.v1.xsd`): guard the bytes, parse, count samples, validate against the
 * XSD, then read every sample's values into one preallocated `Float64Array`. Throws only `GatewayError`.
 */
export function createXmlBatchDecoder(options: XmlBatchDecoderOptions): XmlBatchDecoder {
  const { engine } = options;
  const instrumentation = options.instrumentation ?? NO_INSTRUMENTATION;
  const maxBytes = Math.min(options.maxXmlBytes, engine.maxDocumentBytes);
  const open = (bytes: Buffer, expect: BatchExpectation): XmlBatchReader => {
    guardXmlBytes(bytes, maxBytes);
    const document = instrumentation.stageSync(Stage.XML_PARSE, { bytes: bytes.length }, () =>
      withGatewayErrors(() => engine.parse(bytes)),
    );
    checkSampleCount(document, expect);
    const violations = instrumentation.stageSync(Stage.XML_VALIDATE, {}, () =>
      withGatewayErrors(() => engine.validate(document)),
    );
    if (violations.length > 0) throw schemaInvalidError(violations);
    return new SampleReader(document, expect, instrumentation);
  };
  return {
    format: 'xml',
    open,
    decode(bytes: Buffer, expect: BatchExpectation): SignalBatch {
      const reader = open(bytes, expect);
      reader.readTo(reader.count);
      return {
        format: 'xml',
        ids: reader.ids,
        count: reader.count,
        sampleLength: reader.sampleLength,
        values: reader.values,
      };
    },
  };
}

/**
 * Empty and oversized batches get their own codes, and are refused before validation, which would otherwise
 * report an empty batch as a schema error and spend time on samples that will be refused anyway.
 */
function checkSampleCount(document: XmlDocumentView, expect: BatchExpectation): void {
  const { root } = document;
  if (root.localName !== BATCH_ELEMENT || root.namespaceUri !== BATCH_NAMESPACE) return;
  if (document.countRootChildren() === 0) throw emptyBatchError();
  const samples = document.countRootChildren(SAMPLE);
  if (samples > expect.maxSamples) throw tooManySamplesError(expect.maxSamples, samples);
}

class SampleReader implements XmlBatchReader {
  readonly count: number;
  readonly sampleLength: number;
  readonly ids: string[];
  readonly values: Float64Array;
  read = 0;
  private readonly samples: readonly XmlElementView[];

  constructor(
    document: XmlDocumentView,
    expect: BatchExpectation,
    private readonly instrumentation: Instrumentation,
  ) {
    this.samples = document.rootChildren(SAMPLE);
    // Re-checked because a schema-valid document guarantees it, but a custom engine might not.
    if (this.samples.length === 0) throw emptyBatchError();
    if (this.samples.length > expect.maxSamples) throw tooManySamplesError(expect.maxSamples, this.samples.length);
    this.count = this.samples.length;
    this.sampleLength = expect.sampleLength;
    this.values = sharedFloat64Array(this.count * this.sampleLength);
    this.ids = new Array<string>(this.count);
  }

  readTo(upTo: number): void {
    const end = Math.min(upTo, this.count);
    if (end <= this.read) return;
    this.instrumentation.stageSync(
      Stage.XML_VALUES,
      {},
      () => {
        for (let index = this.read; index < end; index++) this.readSample(index);
      },
      () => ({ samples: end - this.read }),
    );
    this.read = end;
  }

  private readSample(index: number): void {
    const { sampleLength } = this;
    const sample = this.samples[index] as XmlElementView;
    const id = sample.attribute(SAMPLE_ID_ATTRIBUTE) ?? String(index);
    if (!SAMPLE_ID_PATTERN.test(id)) {
      throw schemaInvalidError([{ line: sample.line, message: `sample ${index} has an invalid id` }]);
    }
    this.ids[index] = id;
    const scan = readSampleValues(sample.text(), this.values, index * sampleLength, sampleLength);
    if (scan.firstInvalid !== -1) {
      throw schemaInvalidError([
        {
          line: sample.line,
          message: `'${scan.invalidToken}' (value ${scan.firstInvalid} of sample ${index}) is not a valid xs:double`,
        },
      ]);
    }
    if (scan.count !== sampleLength) throw wrongSampleLengthError(index, id, sampleLength, scan.count);
    if (scan.firstNonFinite !== -1) throw nonFiniteValueError(index, id, scan.firstNonFinite);
  }
}

function schemaInvalidError(violations: readonly XmlSchemaViolation[]): GatewayError {
  const errors = violations.slice(0, MAX_REPORTED_VIOLATIONS).map(({ line, message }) => ({ line, message }));
  const first = errors[0] ?? { line: null, message: 'unknown problem' };
  const where = first.line === null ? '' : ` (line ${first.line})`;
  return new GatewayError(
    ErrorCode.XML_SCHEMA_INVALID,
    `The XML batch does not match the ${SCHEMA_LABEL} schema${where}: ${first.message}`,
    { errors },
  );
}

/** Anything but a GatewayError escaping the engine is an engine failure on this input: report it as malformed. */
function withGatewayErrors<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError(
      ErrorCode.XML_MALFORMED,
      'The XML batch could not be parsed.',
      { line: null, message: 'parser failure' },
      { cause: error },
    );
  }
}
