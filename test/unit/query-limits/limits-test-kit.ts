/**
 * Shared by the limits tests: a schema shaped like the gateway's API, an ApolloServer configured as the gateway
 * configures it (plus the limits), and document builders.
 */
import { ApolloServer, type GraphQLResponse } from '@apollo/server';
import {
  buildSchema,
  getIntrospectionQuery,
  type GraphQLError,
  parse,
  specifiedRules,
  validate,
  type GraphQLFormattedError,
} from 'graphql';
import pino from 'pino';
import { createFormatError } from '../../../src/errors/format-error';
import {
  createQueryLimits,
  limitValidationRules,
  type CostModel,
  type QueryLimits,
} from '../../../src/graphql/query-limits';

/**
 * The API's shape (schema/schema.graphql), plus one test-only back-reference, `ModelVersion.model`, so that documents
 * can nest as deep as a schema with cycles allows: the real API has none, its deepest selection has depth 3.
 */
export const API_SDL = /* GraphQL */ `
  scalar Upload
  enum ModelVersionState {
    FAILED
    LOADING
    READY
    UNLOADED
  }
  type TensorSpec {
    name: String!
    dtype: String!
    shape: [Int]!
  }
  type ModelVersion {
    version: Int!
    description: String!
    state: ModelVersionState!
    failureReason: String
    inputs: [TensorSpec!]!
    outputs: [TensorSpec!]!
    labels: [String!]!
    maxBatchSize: Int!
    sha256: String!
    sizeBytes: Int!
    model: Model!
  }
  type Model {
    name: String!
    defaultVersion: Int!
    versions: [ModelVersion!]!
  }
  type SamplePrediction {
    id: String!
    index: Int!
    label: String!
    probabilities: [Float!]!
  }
  type Prediction {
    model: String!
    version: Int!
    labels: [String!]!
    outputs: [[Float!]!]!
    shape: [Int!]!
    samples: [SamplePrediction!]!
  }
  type Query {
    models: [Model!]!
    model(name: String!): Model
  }
  input TextInput {
    id: String
    text: String!
  }
  input ImageInput {
    id: String
    base64: String!
  }
  type Mutation {
    predict(model: String!, version: Int, file: Upload!): Prediction!
    predictTexts(model: String!, version: Int, texts: [TextInput!]!): Prediction!
    predictImages(model: String!, version: Int, images: [ImageInput!]!): Prediction!
  }
`;

export const schema = buildSchema(API_SDL);

/** The configuration defaults (`src/config/config.ts`). */
export const DEFAULT_LIMITS: QueryLimits = Object.freeze({
  maxDepth: 8,
  maxCost: 1000,
  maxAliases: 10,
  maxDirectives: 10,
  maxTokens: 1000,
  maxDocumentBytes: 10_000,
});

/** Every limit out of the way but those given: each limit tested on its own. */
export function only(limits: Partial<QueryLimits>): QueryLimits {
  return {
    maxDepth: 1000,
    maxCost: 1e12,
    maxAliases: 100_000,
    maxDirectives: 100_000,
    maxTokens: 1_000_000,
    maxDocumentBytes: 10_000_000,
    ...limits,
  };
}

/** graphql's own rules plus the limit rules, as Apollo runs them (one validation pass). */
export function validateWithLimits(source: string, limits: QueryLimits = DEFAULT_LIMITS): readonly GraphQLError[] {
  return validate(schema, parse(source), [...specifiedRules, ...limitValidationRules(limits)]);
}

const spec = { name: 'ecg', dtype: 'float64', shape: [null, 5000, 1] };
const version = {
  version: 1,
  description: 'test',
  state: 'READY',
  failureReason: null,
  inputs: [spec],
  outputs: [{ name: 'probabilities', dtype: 'float64', shape: [null, 2] }],
  labels: ['normal', 'af'],
  maxBatchSize: 32,
  sha256: '0'.repeat(64),
  sizeBytes: 1,
  model: undefined as unknown,
};
const model = { name: 'ecg-rhythm', defaultVersion: 1, versions: [version] };
version.model = model;

/** Root resolvers with canned data, so that a document within the limits executes without errors. */
export const rootValue = {
  models: () => [model],
  model: ({ name }: { name: string }) => (name === model.name ? model : null),
  predict: ({ model: name }: { model: string }) => ({
    model: name,
    version: 1,
    labels: ['normal', 'af'],
    outputs: [[0.9, 0.1]],
    shape: [1, 2],
    samples: [{ id: '0', index: 0, label: 'normal', probabilities: [0.9, 0.1] }],
  }),
};

/** The production `formatError` (it unwraps the `GatewayError` that limit errors carry in `originalError`). */
export const formatError = createFormatError(pino({ level: 'silent' }));

/** An ApolloServer with the gateway's error settings and every limit wired in (introspection on, as in development). */
export function limitedServer(limits: QueryLimits = DEFAULT_LIMITS, costModel?: CostModel): ApolloServer {
  const wiring = createQueryLimits(limits, costModel);
  return new ApolloServer({
    schema,
    rootValue,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules: wiring.validationRules,
    parseOptions: wiring.parseOptions,
    plugins: [wiring.plugin],
  });
}

export interface Outcome {
  readonly status: number;
  readonly data: Record<string, unknown> | null | undefined;
  readonly errors: readonly GraphQLFormattedError[];
  /** The serialised body, to check that nothing internal leaks. */
  readonly json: string;
}

/** Runs one operation in process (`executeOperation`: Apollo's whole request pipeline, no HTTP). */
export async function run(server: ApolloServer, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  const response: GraphQLResponse = await server.executeOperation({ query, ...(variables && { variables }) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return {
    status: response.http.status ?? 200,
    data,
    errors: errors ?? [],
    json: JSON.stringify(response.body.singleResult),
  };
}

/** `{ models { versions { model { versions { ... { name | version } } } } } }` of exactly `depth` (≥ 1). */
export function nestedQuery(depth: number): string {
  let open = 'models {';
  for (let level = 1; level < depth; level += 1) open += level % 2 === 1 ? ' versions {' : ' model {';
  const leaf = depth % 2 === 1 ? ' name' : ' version';
  return `{ ${open}${leaf}${' }'.repeat(depth)} }`;
}

/** `count` aliased `name` fields under `models`. */
export function aliasedQuery(count: number): string {
  return `{ models { ${Array.from({ length: count }, (_, i) => `a${i}: name`).join(' ')} } }`;
}

/** `count` `@include(if: true)` applications, one per repetition of the (merged) `name` field. */
export function directiveFlood(count: number): string {
  return `{ models { ${'name @include(if: true) '.repeat(count)}} }`;
}

/** The exact response shape of a limit error, as clients see it. */
export function limitError(limit: string, max: number, actual: number | null): unknown {
  return expect.objectContaining({ extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit, max, actual } });
}

/** Whether a serialised response shows a stack frame or a file path. */
export const leaksInternals = (json: string): boolean =>
  /\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|stacktrace/.test(json);

/**
 * `levels` fragments on Model that each spread the next twice, the last selecting `leaf`: small to write, 2^levels
 * selections once expanded.
 */
export function doublingFragments(levels: number, leaf = 'name'): string {
  const chain = Array.from({ length: levels }, (_, i) => `fragment F${i} on Model { ...F${i + 1} ...F${i + 1} }`);
  return `query { models { ...F0 } } ${chain.join(' ')} fragment F${levels} on Model { ${leaf} }`;
}

/** Fragment cycles graphql must refuse, by name: two fragments, a fragment spreading itself, a cycle of four through fields. */
export const FRAGMENT_CYCLES: ReadonlyArray<readonly [string, string]> = [
  ['two fragments', 'query { models { ...A } } fragment A on Model { name ...B } fragment B on Model { ...A }'],
  ['a self-spread', 'query { models { ...A } } fragment A on Model { name ...A }'],
  [
    'a longer cycle',
    'query { models { ...A } } fragment A on Model { versions { ...B } } fragment B on ModelVersion { model { ...C } } ' +
      'fragment C on Model { ...D } fragment D on Model { name ...A }',
  ],
];

/** The standard introspection query of graphql-js (what GraphiQL and Apollo Sandbox send), with descriptions. */
export const getIntrospectionQueryText = (): string =>
  getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true });
