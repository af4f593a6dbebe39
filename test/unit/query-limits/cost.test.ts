import 'reflect-metadata';
import { getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import {
  costEstimator,
  costModelProblems,
  DEFAULT_COST_MODEL,
  estimateCost,
  type CostModel,
} from '../../../src/graphql/query-limits';
import { doublingFragments, nestedQuery, schema } from './limits-test-kit';

jest.mock('graphql-query-complexity', () => {
  const actual = jest.requireActual<typeof import('graphql-query-complexity')>('graphql-query-complexity');
  return { ...actual, getComplexity: jest.fn(actual.getComplexity) };
});

/** The estimate of the first (or the named) operation of a document under a cost model. */
function estimate(
  source: string,
  variables?: Record<string, unknown>,
  model: CostModel = DEFAULT_COST_MODEL,
  name?: string,
) {
  const document = parse(source);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode =>
      d.kind === Kind.OPERATION_DEFINITION && (name === undefined || d.name?.value === name),
  );
  if (operation === undefined) throw new Error('no operation');
  return estimateCost(schema, document, operation, variables, model);
}
const costOf = (
  source: string,
  variables?: Record<string, unknown>,
  model?: CostModel,
  name?: string,
): number | undefined => {
  const result = estimate(source, variables, model, name);
  return result.kind === 'measured' ? result.cost : undefined;
};

const CATALOGUE = `{ models { name defaultVersion versions { version description state failureReason labels maxBatchSize sha256
  sizeBytes inputs { name dtype shape } outputs { name dtype shape } } } }`;
const predict = (alias: string, selection: string) => `${alias}predict(model: "ecg-rhythm", file: 1) { ${selection} }`;
const FULL_PREDICTION = 'model version labels outputs shape samples { id index label probabilities }';

describe('cost estimate (graphql-query-complexity, field-level cost model)', () => {
  it('prices the catalogue and predict as DEFAULT_COST_MODEL documents: 566, 101, 146, at most 9 predictions per 1000', () => {
    expect(costOf(CATALOGUE)).toBe(566);
    expect(costOf(`mutation { ${predict('', 'model')} }`)).toBe(101);
    expect(costOf(`mutation { ${predict('', FULL_PREDICTION)} }`)).toBe(146);
    const predictions = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => predict(`p${i}: `, 'model')).join(' ')} }`;
    expect(costOf(predictions(9))).toBe(909);
    expect(costOf(predictions(10))).toBe(1010);
  });

  it("adds a field's own cost to its selection's cost times its list size", () => {
    const model: CostModel = {
      defaultFieldCost: 1,
      defaultListSize: 3,
      maxNodes: 1000,
      fields: { 'Query.models': { cost: 7, listSize: 4 } },
    };
    expect(costOf('{ models { name } }', undefined, model)).toBe(7 + 4 * 1);
    expect(costOf('{ models { name versions { version } } }', undefined, model)).toBe(7 + 4 * (1 + (1 + 3 * 1)));
    expect(costOf('{ model(name: "x") { versions { labels } } }', undefined, model)).toBe(1 + 1 * (1 + 3 * 1)); // labels: scalars, no multiplier
  });

  it('prices __typename at 0 and introspection flat, so the standard introspection query costs 1', () => {
    expect(costOf('{ models { __typename } }')).toBe(1);
    expect(costOf('{ __typename }')).toBe(0);
    expect(
      costOf(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true })),
    ).toBe(1);
  });

  it('counts only what the variables include (@include, @skip), with variable defaults', () => {
    const source = `mutation ($a: Boolean!, $b: Boolean = false) {
      p1: predict(model: "m", file: 1) @include(if: $a) { model }
      p2: predict(model: "m", file: 1) @skip(if: $b) { model }
    }`;
    expect(costOf(source, { a: true })).toBe(202);
    expect(costOf(source, { a: false })).toBe(101);
    expect(costOf(source, { a: false, b: true })).toBe(0);
  });

  it('reports variables that do not coerce as badVariables, leaving them to execution', () => {
    expect(estimate('query ($n: String!) { model(name: $n) { name } }', {})).toEqual({ kind: 'badVariables' });
    expect(estimate('query ($n: String!) { model(name: $n) { name } }', { n: 12 })).toEqual({ kind: 'badVariables' });
  });

  it('measures an operation expanding to maxNodes selections, and gives up as tooLarge at one more', () => {
    const model = (maxNodes: number): CostModel => ({ ...DEFAULT_COST_MODEL, maxNodes });
    // models, the spread of F0, and F0 expanded: 94 selections (each level: two spreads, each with what it expands to)
    expect(estimate(doublingFragments(5), undefined, model(96))).toEqual({ kind: 'measured', cost: 1 + 5 * 32 });
    expect(estimate(doublingFragments(5), undefined, model(95))).toEqual({ kind: 'tooLarge' });
  });

  it('counts the expansion first, and does not walk an operation over maxNodes (2^40 selections)', () => {
    jest.mocked(getComplexity).mockClear();
    expect(estimate(doublingFragments(40))).toEqual({ kind: 'tooLarge' });
    expect(getComplexity).not.toHaveBeenCalled();
    expect(estimate(doublingFragments(3))).toMatchObject({ kind: 'measured' });
    expect(getComplexity).toHaveBeenCalledTimes(1);
  });

  it('measures only the operation to be run', () => {
    const source = `query Cheap { model(name: "x") { name } }\nquery Dear ${nestedQuery(6)}`;
    expect(costOf(source, undefined, DEFAULT_COST_MODEL, 'Cheap')).toBe(2);
    expect(costOf(source, undefined, DEFAULT_COST_MODEL, 'Dear')).toBe(931);
  });

  it('prices predict at 100 plus what it selects', () => {
    const estimator = costEstimator(DEFAULT_COST_MODEL);
    const type = schema.getMutationType();
    const field = type?.getFields()['predict'];
    if (type === null || type === undefined || field === undefined) throw new Error('schema without predict');
    expect(estimator({ type, field, node: {} as never, args: {}, childComplexity: 5 })).toBe(105);
  });

  it('DEFAULT_COST_MODEL names only fields of the real schema, as list sizes only lists of objects', async () => {
    const real = await buildGatewaySchema({ get: () => ({}) });
    expect(costModelProblems(real, DEFAULT_COST_MODEL)).toEqual([]);
  });

  it('costModelProblems names unknown coordinates, list sizes on non-lists and bad numbers', () => {
    const bad: CostModel = {
      defaultFieldCost: -1,
      defaultListSize: 10,
      maxNodes: 0,
      fields: {
        'Mutation.predcit': { cost: 100 },
        'Model.name': { listSize: 3 },
        'Query.models': { cost: Number.NaN },
        Nope: {},
      },
    };
    expect(costModelProblems(schema, bad)).toEqual([
      'defaultFieldCost: must be a finite number >= 0, got -1',
      'maxNodes: must be a positive integer, got 0',
      'Mutation.predcit: no such field in the schema',
      'Model.name.listSize: the field is not a list of objects',
      'Query.models.cost: must be a finite number >= 0, got NaN',
      'Nope: no such field in the schema',
    ]);
  });
});
