/**
 * The closed vocabulary of `extensions.code` values that clients may rely on.
 *
 * Codes are part of the public contract: add new ones, never rename or reuse one. Anything that is not a
 * {@link GatewayError} (or one of GraphQL's own request errors) reaches clients as `INTERNAL_SERVER_ERROR`.
 */
export enum ErrorCode {
  // Request shape — the GraphQL/Apollo codes, kept so that one enum lists every code a client can see.
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BAD_REQUEST = 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  /** An automatic persisted query's hash is not known (yet): send the query with its hash to register it. */
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  /** A depth, cost, alias, directive, token or size limit of the GraphQL document was exceeded. */
  QUERY_LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED',

  // Who may do what.
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  RATE_LIMITED = 'RATE_LIMITED',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  NOT_FOUND = 'NOT_FOUND',

  // Uploads and request bodies.
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  TOO_MANY_FILES = 'TOO_MANY_FILES',
  UPLOAD_FAILED = 'UPLOAD_FAILED',
  FILE_TOO_LARGE = 'FILE_TOO_LARGE',
  UNSUPPORTED_FILE_TYPE = 'UNSUPPORTED_FILE_TYPE',
  EMPTY_BATCH = 'EMPTY_BATCH',
  TOO_MANY_SAMPLES = 'TOO_MANY_SAMPLES',

  // XML batches.
  XML_MALFORMED = 'XML_MALFORMED',
  XML_SCHEMA_INVALID = 'XML_SCHEMA_INVALID',
  XML_FORBIDDEN_DECLARATION = 'XML_FORBIDDEN_DECLARATION',
  XML_UNSUPPORTED_ENCODING = 'XML_UNSUPPORTED_ENCODING',

  // NPY batches.
  NPY_MALFORMED = 'NPY_MALFORMED',
  NPY_UNSUPPORTED = 'NPY_UNSUPPORTED',

  // Values, checked against the model's input contract.
  WRONG_SAMPLE_LENGTH = 'WRONG_SAMPLE_LENGTH',
  NON_FINITE_VALUE = 'NON_FINITE_VALUE',
  /** A text of a text model's request is empty (or white space only). */
  TEXT_EMPTY = 'TEXT_EMPTY',
  /** A text is longer than the model's `maxChars`. */
  TEXT_TOO_LONG = 'TEXT_TOO_LONG',
  /** A text holds a control character or a lone surrogate. */
  TEXT_INVALID = 'TEXT_INVALID',
  /** An image is not one that can be decoded: not an image at all, truncated, corrupt, or not base64 text. */
  IMAGE_INVALID = 'IMAGE_INVALID',
  /** An image of a kind the gateway does not take: not PNG, JPEG or WebP, animated, more than 8 bits, CMYK. */
  IMAGE_UNSUPPORTED = 'IMAGE_UNSUPPORTED',
  /** An image of more pixels than `MAX_IMAGE_PIXELS` (a decompression bomb is refused before it is decoded). */
  IMAGE_TOO_LARGE = 'IMAGE_TOO_LARGE',
  /** The request sends another kind of input than the model takes (a file to a text model, texts to a signal model). */
  INPUT_KIND_MISMATCH = 'INPUT_KIND_MISMATCH',

  // Models.
  MODEL_NOT_FOUND = 'MODEL_NOT_FOUND',
  MODEL_VERSION_NOT_FOUND = 'MODEL_VERSION_NOT_FOUND',
  MODEL_NOT_READY = 'MODEL_NOT_READY',
  /** Too many samples are waiting for the model; `retryAfterSeconds` says when to try again. */
  OVERLOADED = 'OVERLOADED',
  /** The request waited longer than its deadline for the model and was dropped before it ran. */
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  /** Loading the version would exceed the memory budget, and no idle version can be unloaded to make room. */
  MEMORY_BUDGET_EXCEEDED = 'MEMORY_BUDGET_EXCEEDED',
  /** A registered file is not a model ONNX Runtime can open and run. */
  MODEL_INVALID = 'MODEL_INVALID',
  /** A registered model's inputs, outputs or labels differ from its manifest or from the model's contract. */
  MODEL_SIGNATURE_MISMATCH = 'MODEL_SIGNATURE_MISMATCH',
  /** A registered model's manifest is incomplete or inconsistent. */
  MANIFEST_INVALID = 'MANIFEST_INVALID',

  // Runtime.
  INFERENCE_FAILED = 'INFERENCE_FAILED',
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

/** HTTP status used when an error of this code ends a request before GraphQL execution (e.g. in upload parsing). */
export const httpStatusOf: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.UPLOAD_FAILED]: 400,
  [ErrorCode.FILE_TOO_LARGE]: 413,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.TOO_MANY_FILES]: 413,
  [ErrorCode.SHUTTING_DOWN]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
});
