import { Kind, type SelectionSetNode, type ValidationRule } from 'graphql';
import { operationLimitRule, saturatingAdd, type DefinitionMeasure } from './operation-measure';

/**
 * Refuses operations with more than `maxDirectives` directive applications, wherever they stand: on the operation,
 * its variable definitions, fields, inline fragments, fragment spreads and fragment definitions, a fragment counting
 * once per spread. This stops directive floods (`name @include(if: true) name @include(if: true) ...`): graphql's
 * rules accept hundreds of those (only `OverlappingFieldsCanBeMergedRule`'s comparison budget gives up, with
 * "Validation aborted.", somewhere below a thousand repeats of one field). The same non-repeatable directive twice at
 * one place is already refused by `UniqueDirectivesPerLocationRule`.
 */
export function directiveLimitRule(maxDirectives: number): ValidationRule {
  return operationLimitRule('directives', maxDirectives, directiveCount);
}

/** Directive applications of an operation or fragment, through its fragment spreads. */
export const directiveCount: DefinitionMeasure = (definition, fragment) => {
  let count = definition.directives?.length ?? 0;
  for (const variable of definition.variableDefinitions ?? [])
    count = saturatingAdd(count, variable.directives?.length ?? 0);
  return saturatingAdd(count, selectionDirectives(definition.selectionSet, fragment));
};

function selectionDirectives(selectionSet: SelectionSetNode, fragment: (name: string) => number): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    count = saturatingAdd(count, selection.directives?.length ?? 0);
    if (selection.kind === Kind.FRAGMENT_SPREAD) count = saturatingAdd(count, fragment(selection.name.value));
    else if (selection.selectionSet !== undefined)
      count = saturatingAdd(count, selectionDirectives(selection.selectionSet, fragment));
  }
  return count;
}
