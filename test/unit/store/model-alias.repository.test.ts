import { openInMemoryStore } from '../../../src/store/store';

describe('model aliases', () => {
  it('names the version pushed last, remembers the one before, and lists every alias', () => {
    const { modelAliases: aliases, close } = openInMemoryStore();
    expect(aliases.current('m', 'production')).toBeUndefined();
    aliases.push('m', 'production', 1, 10, 'user:a');
    aliases.push('m', 'production', 2, 20, 'user:a');
    aliases.push('m', 'canary', 3, 30, 'user:a');
    aliases.push('other', 'production', 9, 40, 'user:a');
    expect(aliases.current('m', 'production')).toBe(2);
    expect(aliases.previous('m', 'production')).toBe(1);
    expect(aliases.list('m')).toEqual([
      { alias: 'canary', version: 3 },
      { alias: 'production', version: 2 },
    ]);
    close();
  });

  it('pops back through the history, and refuses to pop the last entry', () => {
    const { modelAliases: aliases, close } = openInMemoryStore();
    for (const v of [1, 2, 3]) aliases.push('m', 'production', v, v, 'user:a');
    expect(aliases.pop('m', 'production')).toBe(2);
    expect(aliases.pop('m', 'production')).toBe(1);
    expect(aliases.pop('m', 'production')).toBeUndefined();
    expect(aliases.current('m', 'production')).toBe(1);
    expect(aliases.previous('m', 'production')).toBeUndefined();
    close();
  });
});
