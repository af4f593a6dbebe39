import {
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isListType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { measureOperations, saturatingAdd, type DefinitionMeasure } from './operation-measure';

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
   * Most selections an operation may expand to, fragments counted again at every spread. An operation that expands
   * further is refused as too costly, without a number. The expansion is counted in linear time before
   * `graphql-query-complexity` walks it, because that walk costs microseconds per selection and is repeated for
   * every request (it depends on the variables).
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
  // The largest sensible document of this API expands to a few hundred selections; 2000 keeps the estimate's walk to
  // a few milliseconds.
  maxNodes: 2000,
  fields: Object.freeze({
    'Mutation.predict': Object.freeze({ cost: 100 }),
    'Mutation.predictTexts': Object.freeze({ cost: 100 }),
    'Mutation.predictImages': Object.freeze({ cost: 100 }),
    'Query.models': Object.freeze({ listSize: 5 }),
    'Model.versions': Object.freeze({ listSize: 5 }),
    'ModelVersion.inputs': Object.freeze({ listSize: 2 }),
    'ModelVersion.outputs': Object.freeze({ listSize: 2 }),
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
  // An upper bound of what graphql-query-complexity visits (it skips what @skip/@include leave out); `undefined` only
  // for a fragment cycle, which validation has refused before Apollo calls this.
  const expanded = measureOperations(query, selectionCount)?.[0]?.value ?? Number.MAX_SAFE_INTEGER;
  if (expanded > model.maxNodes) return { kind: 'tooLarge' };
  try {
    const estimators = [costEstimator(model)];
    return {
      kind: 'measured',
      cost: getComplexity({ schema, query, variables: inputs, estimators, maxQueryNodes: model.maxNodes + 1 }),
    };
  } catch (error) {
    // Its node budget, unreachable after the count above; anything else is a bug and propagates (Apollo refuses the request).
    if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message))
      return { kind: 'tooLarge' };
    throw error;
  }
}

/** Selections of a definition once its fragment spreads are expanded (each spread counts as one, plus its fragment). */
export const selectionCount: DefinitionMeasure = (definition, fragment) =>
  countSelections(definition.selectionSet, fragment);

function countSelections(selectionSet: SelectionSetNode, fragment: (name: string) => number): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    count = saturatingAdd(count, 1);
    if (selection.kind === Kind.FRAGMENT_SPREAD) count = saturatingAdd(count, fragment(selection.name.value));
    else if (selection.selectionSet !== undefined)
      count = saturatingAdd(count, countSelections(selection.selectionSet, fragment));
  }
  return count;
}

/** What is wrong with a cost model for a schema: unknown coordinates, list sizes on non-lists, bad numbers. */
export function costModelProblems(schema: GraphQLSchema, model: CostModel): string[] {
  const problems: string[] = [];
  const number = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      problems.push(`${name}: must be a finite number >= 0, got ${value}`);
  };
  number('defaultFieldCost', model.defaultFieldCost);
  number('defaultListSize', model.defaultListSize);
  if (!(Number.isInteger(model.maxNodes) && model.maxNodes > 0))
    problems.push(`maxNodes: must be a positive integer, got ${model.maxNodes}`);
  for (const [coordinate, settings] of Object.entries(model.fields)) {
    const [typeName = '', fieldName = '', ...rest] = coordinate.split('.');
    const type = schema.getType(typeName);
    const field =
      rest.length === 0 && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[fieldName] : undefined;
    if (field === undefined) {
      problems.push(`${coordinate}: no such field in the schema`);
      continue;
    }
    number(`${coordinate}.cost`, settings.cost);
    number(`${coordinate}.listSize`, settings.listSize);
    const listOfObjects = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type));
    if (settings.listSize !== undefined && !listOfObjects)
      problems.push(`${coordinate}.listSize: the field is not a list of objects`);
  }
  return problems;
}
