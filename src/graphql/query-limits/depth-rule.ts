import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { operationLimitRule, type DefinitionMeasure } from './operation-measure';

/**
 * Refuses operations nested deeper than `maxDepth`.
 *
 * Depth is counted as `graphql-depth-limit` counts it, so the configured number means the same: the root fields are at
 * depth 0 and each field with a selection set adds one (`{ models { versions { version } } }` has depth 2); fragments
 * add nothing; introspection fields (`__schema`, `__type`, `__typename`) and what they select are not counted, as by
 * default in `graphql-depth-limit`. graphql's own `MaxIntrospectionDepthRule` bounds introspection nesting instead.
 *
 * `graphql-depth-limit` itself is not used: it recurses through fragment spreads without a guard, so a fragment cycle
 * overflows the stack and an unknown fragment throws a TypeError (both crash the request as a 500 in Apollo, which
 * runs custom rules in the same pass as `NoFragmentCyclesRule`); it walks a fragment again at every spread (n
 * fragments that each spread the next twice take 2^n steps, so a short document holds the event loop for long: see
 * `benchmarks/README.md`); and its error names no actual depth. Here each fragment is measured once, cycles are left
 * to `NoFragmentCyclesRule`, and the error gives the depth found.
 */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return operationLimitRule('depth', maxDepth, operationDepth);
}

/** The depth of an operation or fragment, as defined above. */
export const operationDepth: DefinitionMeasure = (definition, fragment) =>
  selectionDepth(definition.selectionSet, fragment);

function selectionDepth(selectionSet: SelectionSetNode, fragment: (name: string) => number): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth: number;
    if (selection.kind === Kind.FIELD) {
      const nested = selection.name.value.startsWith('__') ? undefined : selection.selectionSet;
      depth = nested === undefined ? 0 : 1 + selectionDepth(nested, fragment);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(selection.selectionSet, fragment);
    } else {
      depth = fragment(selection.name.value);
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}
