import type { AliasBook } from '../registry/alias-book';
import type { ModelAliasRepository } from './model-alias.repository';

/** The registry's aliases, kept in the embedded database. */
export function storeAliasBook(aliases: ModelAliasRepository, clock: () => number = Date.now): AliasBook {
  return {
    current: (model, alias) => aliases.current(model, alias),
    previous: (model, alias) => aliases.previous(model, alias),
    list: (model) => aliases.list(model),
    push: (model, alias, version, actor) => aliases.push(model, alias, version, clock(), actor),
    pop: (model, alias) => aliases.pop(model, alias),
  };
}
