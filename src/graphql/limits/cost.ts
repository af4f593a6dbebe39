import {
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/** Cost settings of one field. */
export interface FieldCost {
  /** Cost of resolving the field itself. Default: {@link CostModel.defaultFieldCost}. */
  readonly cost?: number;
  /**
   * For a list of objects: how many items to assume. What is selected under the field costs that many times.
   * Default: {@link CostModel.defaultListSize}. Ignored on a list of scalars, which has nothing under it.
   */
  readonly listSize?: number;
}

/**
 * How the cost of an operation is estimated, for `graphql-query-complexity`: a field costs its own cost plus, for
 * what is selected under it, the cost of that selection (times the assumed list size when the field is a list).
 *
 * Introspection is priced flat: `__typename` costs 0 (resolved without a resolver; Apollo Client adds it to every
 * selection), `__schema` and `__type` cost 1 whatever they select, so the standard introspection query fits any
 * budget. Their nesting is bounded by graphql's `MaxIntrospectionDepthRule` instead, and production disables
 * introspection altogether.
 */
export interface CostModel {
  readonly defaultFieldCost: number;
  readonly defaultListSize: number;
  /** Per-field settings by schema coordinate, `Type.field` (e.g. `Mutation.predict`). Unknown coordinates fail start-up. */
  readonly fields: Readonly<Record<string, FieldCost>>;
  /**
   * Most selections the estimate visits (`graphql-query-complexity`'s `maxQueryNodes`, counting fragments again at
   * every spread). An operation that expands further is refused as too costly without a number: its cost is not
   * computed to the end.
   */
  readonly maxNodes: number;
}

/**
 * The gateway's cost model, to be tuned. `predict` runs a model and dominates; reading the catalogue is cheap, and its
 * lists are short (a gateway serves a handful of models, each with a few versions, each with one or two inputs and
 * outputs). With `MAX_QUERY_COST` 1000 (the default): the whole catalogue with every field costs 566; one `predict`
 * costs 101 with one scalar selected and 146 with every field, so one document runs at most 9 predictions.
 */
export const DEFAULT_COST_MODEL: CostModel = Object.freeze({
  defaultFieldCost: 1,
  defaultListSize: 10,
  maxNodes: 10_000,
  fields: Object.freeze({
    'Mutation.predict': { cost: 100 },
    'Query.models': { listSize: 5 },
    'Model.versions': { listSize: 5 },
    'ModelVersion.inputs': { listSize: 2 },
    'ModelVersion.outputs': { listSize: 2 },
  }),
});

/** The `graphql-query-complexity` estimator of a cost model (it always returns a number). */
export function costEstimator(model: CostModel): ComplexityEstimator {
  const fields = new Map(Object.entries(model.fields));
  return ({ type, field, childComplexity }) => {
    if (field.name === '__typename') return 0;
    if (field.name.startsWith('__')) return 1; // __schema, __type: flat, see CostModel
    const settings = fields.get(`${type.name}.${field.name}`);
    const own = settings?.cost ?? model.defaultFieldCost;
    const times = isListType(getNullableType(field.type)) ? (settings?.listSize ?? model.defaultListSize) : 1;
    return own + times * childComplexity;
  };
}

/** The outcome of estimating one operation. */
export type CostEstimate =
  | { readonly kind: 'measured'; readonly cost: number }
  /** It expands to more than `maxNodes` selections. */
  | { readonly kind: 'tooLarge' }
  /** Its variables do not coerce: execution refuses it (BAD_USER_INPUT) before any resolver runs. */
  | { readonly kind: 'badVariables' };

/**
 * Estimates the cost of the operation Apollo is about to execute, with the request's variables (so `@include(if:
 * $flag)` and `@skip` count only what will run). Only `operation` and the document's fragments are measured.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  model: CostModel,
): CostEstimate {
  const inputs = { ...variables };
  if (getVariableValues(schema, operation.variableDefinitions ?? [], inputs).errors !== undefined) {
    return { kind: 'badVariables' };
  }
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const query: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
  try {
    const cost = getComplexity({ schema, query, variables: inputs, estimators: [costEstimator(model)], maxQueryNodes: model.maxNodes });
    return { kind: 'measured', cost };
  } catch (error) {
    // The library's only signal for its node budget; anything else is a bug and propagates (Apollo then refuses the request).
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) return { kind: 'tooLarge' };
    throw error;
  }
}

/** What is wrong with a cost model for a schema: unknown coordinates, list sizes on non-lists, bad numbers. */
export function costModelProblems(schema: GraphQLSchema, model: CostModel): string[] {
  const problems: string[] = [];
  const number = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) problems.push(`${name}: must be a finite number >= 0, got ${value}`);
  };
  number('defaultFieldCost', model.defaultFieldCost);
  number('defaultListSize', model.defaultListSize);
  if (!(Number.isInteger(model.maxNodes) && model.maxNodes > 0)) problems.push(`maxNodes: must be a positive integer, got ${model.maxNodes}`);
  for (const [coordinate, settings] of Object.entries(model.fields)) {
    const [typeName = '', fieldName = '', ...rest] = coordinate.split('.');
    const type = schema.getType(typeName);
    const field = rest.length === 0 && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[fieldName] : undefined;
    if (field === undefined) {
      problems.push(`${coordinate}: no such field in the schema`);
      continue;
    }
    number(`${coordinate}.cost`, settings.cost);
    number(`${coordinate}.listSize`, settings.listSize);
    const listOfObjects = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type));
    if (settings.listSize !== undefined && !listOfObjects) problems.push(`${coordinate}.listSize: the field is not a list of objects`);
  }
  return problems;
}
