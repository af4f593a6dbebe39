/**
 * The observability stack users start with `docker compose up` (configuration in `otel/`): Prometheus accepts its
 * configuration and alert rules, the rules' own unit tests pass, and the dashboard and the rules only name metrics the
 * gateway exports. `promtool` comes from Debian's `prometheus` package (installed by `.ci/run`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { GatewayMetrics } from '../../src/telemetry/gateway-metrics';

const OTEL = path.resolve(__dirname, '..', '..', 'otel');
const promtool = (...args: string[]): string =>
  execFileSync('promtool', args, { cwd: path.join(OTEL, 'prometheus'), encoding: 'utf8' });

/** Every series name the gateway's registry can expose (histograms with their three suffixes). */
async function exportedNames(): Promise<Set<string>> {
  const registry = new Registry();
  new GatewayMetrics(registry, { models: () => [], mirrorDropped: () => 0, drift: () => [] });
  const metrics = await registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap((m) =>
      String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    ),
  );
}

/** Metric names in PromQL expressions: the gateway's own and the process/runtime ones. */
const namesIn = (exprs: readonly string[]): string[] => [
  ...new Set(exprs.flatMap((e) => e.match(/\b(?:infergraph|process|nodejs)_[a-z0-9_]+\b/g) ?? [])),
];

describe('otel/ stack', () => {
  it('has a Prometheus configuration promtool accepts, with its rule file', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(
      /SUCCESS: 1 rule files found[\s\S]*is valid prometheus config/,
    );
  });

  it('has alert rules promtool accepts: error rate, latency, queue saturation, drift, model load failures', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 5 rules found/);
    const rules = readFileSync(path.join(OTEL, 'prometheus', 'alerts.yml'), 'utf8');
    expect([...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1])).toEqual([
      'InfergraphServerErrors',
      'InfergraphHighLatency',
      'InfergraphQueueSaturated',
      'InfergraphInputDrift',
      'InfergraphModelLoadFailed',
    ]);
  });

  it('passes the unit tests of every alert rule (promtool test rules)', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
    const tests = readFileSync(path.join(OTEL, 'prometheus', 'alerts.test.yml'), 'utf8');
    const rules = readFileSync(path.join(OTEL, 'prometheus', 'alerts.yml'), 'utf8');
    for (const [, alert] of rules.matchAll(/- alert: (\w+)/g)) expect(tests).toContain(`alertname: ${alert}`);
  });

  it('names in the dashboard and the rules only metrics the gateway exports', async () => {
    const exported = await exportedNames();
    const dashboard = JSON.parse(readFileSync(path.join(OTEL, 'grafana', 'dashboards', 'infergraph.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query: { query: string } }[] };
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((t) => t.query.query),
    ];
    const rules = readFileSync(path.join(OTEL, 'prometheus', 'alerts.yml'), 'utf8');
    const named = namesIn([...exprs, rules]);
    expect(named.length).toBeGreaterThan(10);
    const defaults = (name: string) => name.startsWith('process_') || name.startsWith('nodejs_');
    expect(named.filter((name) => !exported.has(name) && !defaults(name))).toEqual([]);
    // Process and runtime metrics come from prom-client's default collectors on the same registry.
    const registry = new Registry();
    new GatewayMetrics(registry, { models: () => [], mirrorDropped: () => 0, drift: () => [] });
    const text = await registry.metrics();
    expect(
      named.filter(defaults).filter((name) => !text.includes(`\n${name} `) && !text.includes(`# TYPE ${name} `)),
    ).toEqual([]);
    expect(dashboard.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Traffic: predictions per second',
        'Latency percentiles (predict, end to end)',
        'Errors by code',
        'Queue: requests in flight',
        'Model memory and state',
        'Drift score (alert at 0.25)',
      ]),
    );
  });
});
