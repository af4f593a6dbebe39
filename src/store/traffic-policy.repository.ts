import { NO_TRAFFIC_POLICY, type TrafficPolicy } from '../traffic/traffic-policy';
import type { Database } from './database';

interface PolicyRow {
  canary_version: number | null;
  canary_percent: number;
  shadow_version: number | null;
}

/** One traffic policy per model; setting an empty policy deletes the row. */
export class TrafficPolicyRepository {
  constructor(private readonly db: Database) {}

  get(model: string): TrafficPolicy {
    const row = this.db
      .prepare('SELECT canary_version, canary_percent, shadow_version FROM model_traffic_policies WHERE model = ?')
      .get(model) as PolicyRow | undefined;
    if (row === undefined) return NO_TRAFFIC_POLICY;
    return {
      canary: row.canary_version === null ? null : { version: row.canary_version, percent: row.canary_percent },
      shadow: row.shadow_version,
    };
  }

  set(model: string, policy: TrafficPolicy, at: number, actor: string): void {
    if (policy.canary === null && policy.shadow === null) {
      this.db.prepare('DELETE FROM model_traffic_policies WHERE model = ?').run(model);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO model_traffic_policies (model, canary_version, canary_percent, shadow_version, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (model) DO UPDATE SET canary_version = excluded.canary_version,
           canary_percent = excluded.canary_percent, shadow_version = excluded.shadow_version,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(model, policy.canary?.version ?? null, policy.canary?.percent ?? 0, policy.shadow, at, actor);
  }
}
