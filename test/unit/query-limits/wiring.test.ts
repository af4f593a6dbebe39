import { loadConfig } from '../../../src/config/config';
import {
  createQueryLimits,
  DEFAULT_COST_MODEL,
  limitParseOptions,
  limitValidationRules,
  queryLimitsOf,
} from '../../../src/graphql/query-limits';
import { DEFAULT_LIMITS } from './limits-test-kit';

describe('wiring', () => {
  it('queryLimitsOf takes the six document limits from the configuration (defaults 8, 1000, 10, 10, 1000, 10000)', () => {
    expect(queryLimitsOf(loadConfig({}, '/srv/app').limits)).toEqual(DEFAULT_LIMITS);
    const env = {
      MAX_QUERY_DEPTH: '3',
      MAX_QUERY_COST: '50',
      MAX_ALIASES: '0',
      MAX_DIRECTIVES: '1',
      MAX_TOKENS: '100',
      MAX_DOCUMENT_BYTES: '500',
    };
    expect(queryLimitsOf(loadConfig(env, '/srv/app').limits)).toEqual({
      maxDepth: 3,
      maxCost: 50,
      maxAliases: 0,
      maxDirectives: 1,
      maxTokens: 100,
      maxDocumentBytes: 500,
    });
  });

  it('createQueryLimits returns three validation rules, the parse options, the plugin and the HTTP middleware', () => {
    const wiring = createQueryLimits(DEFAULT_LIMITS);
    expect(wiring.validationRules).toHaveLength(limitValidationRules(DEFAULT_LIMITS).length);
    expect(wiring.validationRules).toHaveLength(3);
    expect(wiring.parseOptions).toEqual(limitParseOptions(DEFAULT_LIMITS));
    expect(typeof wiring.plugin.requestDidStart).toBe('function');
    expect(typeof wiring.plugin.serverWillStart).toBe('function');
    expect(wiring.httpMiddleware).toHaveLength(3); // (req, res, next)
    expect(Object.isFrozen(DEFAULT_COST_MODEL) && Object.isFrozen(DEFAULT_COST_MODEL.fields)).toBe(true);
  });
});
