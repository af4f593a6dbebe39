import type { AccountStore } from '../auth/account-store';
import { ApiKeyRepository } from './api-key.repository';
import { type Database, openDatabase, openInMemoryDatabase } from './database';
import { ModelAliasRepository } from './model-alias.repository';
import { ModelComparisonRepository } from './model-comparison.repository';
import { ModelEventRepository } from './model-event.repository';
import { ModelMetricsRepository } from './model-metrics.repository';
import { ModelVersionRepository } from './model-version.repository';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TrafficPolicyRepository } from './traffic-policy.repository';
import { UserRepository } from './user.repository';

/**
 * The embedded database as the composition root sees it: repositories, a transaction helper, and `close`. It is
 * authentication's {@link AccountStore}; the other modules get adapters over single repositories.
 */
export interface Store extends AccountStore {
  readonly users: UserRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly modelEvents: ModelEventRepository;
  readonly modelAliases: ModelAliasRepository;
  readonly modelVersions: ModelVersionRepository;
  readonly trafficPolicies: TrafficPolicyRepository;
  readonly modelComparisons: ModelComparisonRepository;
  readonly modelMetrics: ModelMetricsRepository;
  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`, so it never has to upgrade a read lock and deadlock with
   * another process); a throw rolls everything back. Nested calls become savepoints. `fn` must be synchronous:
   * better-sqlite3 commits when it returns.
   */
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** Wraps an open, migrated database. */
export function createStore(db: Database): Store {
  return {
    users: new UserRepository(db),
    apiKeys: new ApiKeyRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    modelEvents: new ModelEventRepository(db),
    modelAliases: new ModelAliasRepository(db),
    modelVersions: new ModelVersionRepository(db),
    trafficPolicies: new TrafficPolicyRepository(db),
    modelComparisons: new ModelComparisonRepository(db),
    modelMetrics: new ModelMetricsRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    close: () => db.close(),
  };
}

/** Opens `<dataDir>/infergraph.db` (see {@link openDatabase}) as a store. */
export function openStore(dataDir: string): Store {
  return createStore(openDatabase(dataDir));
}

/** A fresh in-memory store: for tests. */
export function openInMemoryStore(): Store {
  return createStore(openInMemoryDatabase());
}
