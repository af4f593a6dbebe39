import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { operationLimitRule, saturatingAdd, type DefinitionMeasure } from './operation-measure';

/**
 * Refuses operations with more than `maxAliases` aliased fields. Aliases are how one request asks for the same field
 * many times (`a: predict(...) b: predict(...)`), so a fragment counts once per spread: spreading a fragment with
 * three aliases twice makes six.
 */
export function aliasLimitRule(maxAliases: number): ValidationRule {
  return operationLimitRule('aliases', maxAliases, aliasCount);
}

/** Aliased fields of an operation or fragment, through its fragment spreads. */
export const aliasCount: DefinitionMeasure = (definition, fragment) =>
  selectionAliases(definition.selectionSet, fragment);

function selectionAliases(selectionSet: SelectionSetNode, fragment: (name: string) => number): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.alias !== undefined) count = saturatingAdd(count, 1);
      if (selection.selectionSet !== undefined)
        count = saturatingAdd(count, selectionAliases(selection.selectionSet, fragment));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count = saturatingAdd(count, selectionAliases(selection.selectionSet, fragment));
    } else {
      count = saturatingAdd(count, fragment(selection.name.value));
    }
  }
  return count;
}
