import {
  Kind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { queryLimitError, type QueryLimitName } from './query-limit-error';

/** An operation or a fragment: what a measure is computed for. */
export type Definition = OperationDefinitionNode | FragmentDefinitionNode;

/**
 * One limit's measure of a definition (depth, alias count...), given the measure of each fragment it spreads.
 * `fragment(name)` is 0 for a fragment the document does not define (`KnownFragmentNamesRule` reports those).
 */
export type DefinitionMeasure = (definition: Definition, fragment: (name: string) => number) => number;

export interface OperationMeasure {
  readonly operation: OperationDefinitionNode;
  readonly value: number;
}

/**
 * Measures every operation of a document, computing each fragment's measure once, after the fragments it spreads.
 *
 * A fragment spread many times is therefore not walked again (a chain of fragments that each spread the next twice
 * costs linear time, not exponential), and the fragment graph is walked without recursion. Returns `undefined` when
 * fragments spread each other in a cycle: such a document is invalid, `NoFragmentCyclesRule` reports it, and it has
 * no depth or count to measure.
 */
export function measureOperations(document: DocumentNode, measure: DefinitionMeasure): OperationMeasure[] | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    // A duplicate name is reported by `UniqueFragmentNamesRule`; the first definition is measured.
    if (definition.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(definition.name.value)) {
      fragments.set(definition.name.value, definition);
    }
  }
  const order = dependencyOrder(fragments);
  if (order === undefined) return undefined;
  const values = new Map<string, number>();
  const fragment = (name: string): number => values.get(name) ?? 0;
  for (const definition of order) values.set(definition.name.value, measure(definition, fragment));
  return document.definitions
    .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => ({ operation, value: measure(operation, fragment) }));
}

/** Fragments ordered so that each comes after every fragment it spreads; `undefined` on a cycle. Iterative DFS. */
function dependencyOrder(fragments: ReadonlyMap<string, FragmentDefinitionNode>): FragmentDefinitionNode[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const order: FragmentDefinitionNode[] = [];
  for (const root of fragments.values()) {
    if (state.has(root.name.value)) continue;
    state.set(root.name.value, 'open');
    const stack = [{ fragment: root, pending: spreadNames(root.selectionSet) }];
    for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
      const next = top.pending.pop();
      if (next === undefined) {
        state.set(top.fragment.name.value, 'done');
        order.push(top.fragment);
        stack.pop();
        continue;
      }
      const target = fragments.get(next);
      const seen = state.get(next);
      if (seen === 'open') return undefined;
      if (target === undefined || seen === 'done') continue;
      state.set(next, 'open');
      stack.push({ fragment: target, pending: spreadNames(target.selectionSet) });
    }
  }
  return order;
}

/** Names of the fragments spread anywhere in a selection set (not inside those fragments). */
function spreadNames(selectionSet: SelectionSetNode): string[] {
  const names: string[] = [];
  visit(selectionSet, { FragmentSpread: (node) => void names.push(node.name.value) });
  return names;
}

/** Addition that stops at `Number.MAX_SAFE_INTEGER`: fragments spread twice per level double a count per level. */
export function saturatingAdd(a: number, b: number): number {
  return Math.min(a + b, Number.MAX_SAFE_INTEGER);
}

/**
 * A validation rule that reports each operation whose measure exceeds `max`, as a `QUERY_LIMIT_EXCEEDED` error
 * located at the operation. Silent on documents with fragment cycles (graphql's own rule reports those).
 */
export function operationLimitRule(limit: QueryLimitName, max: number, measure: DefinitionMeasure): ValidationRule {
  return (context) => ({
    Document(document) {
      for (const { operation, value } of measureOperations(document, measure) ?? []) {
        if (value > max) context.reportError(queryLimitError({ limit, max, actual: value }, operation));
      }
      return false; // everything was measured from the document node; nothing to visit below it
    },
  });
}
