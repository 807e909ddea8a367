// The router's Prometheus metrics (`metrics` in router-config.yaml): where they are served, what
// they count, and what is left out to keep every request cheap. Real processes, as in gateway.test.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import YAML from 'yaml';
import { RouterConfigError, validateRouterConfig } from '../router-config.mjs';
import { compose, fixture, spawnGateway, startFixtureSubgraphs, tempDir, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

const committed = () => YAML.parse(readFileSync(new URL('../../router-config.yaml', import.meta.url), 'utf8'));

test('metrics.path is a path of its own, never one the router already serves', () => {
  for (const path of ['/metrics', '/internal/metrics', '/graphql-metrics']) {
    const config = committed();
    config.metrics.path = path;
    assert.doesNotThrow(() => validateRouterConfig(config), path);
  }
  for (const path of ['/', '/graphql', '/graphql/', '/readiness', '/healthcheck', 'metrics', '/metrics?x=1']) {
    const config = committed();
    config.metrics.path = path;
    assert.throws(() => validateRouterConfig(config), (err) => err instanceof RouterConfigError && /metrics\.path must match pattern/.test(err.message), path);
  }
  const config = committed();
  delete config.metrics.enabled;
  assert.throws(() => validateRouterConfig(config), /metrics\.enabled is required/);
});

/** Two fixture subgraphs and a router on them, with `metrics` as given. */
async function startRouter(t, metrics) {
  const { users, orders } = await startFixtureSubgraphs(t);
  const dir = tempDir(t);
  const supergraphYaml = writeSupergraphYaml(dir, {
    users: { url: users.url, file: fixture('users.graphql') },
    orders: { url: orders.url, file: fixture('orders.graphql') },
  });
  assert.equal(compose('--config', supergraphYaml).status, 0);
  const { path, url } = await writeRouterConfig(dir, (config) => {
    delete config.subgraphs;
    config.metrics = metrics;
  });
  const gateway = spawnGateway(t, path);
  await gateway.ready(url);
  return { url, gateway };
}

const query = (url, body) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** `name{labels} value` lines of a Prometheus text page, comments left out. */
const samples = (text) => text.split('\n').filter((line) => line && !line.startsWith('#'));

test('the router serves Prometheus metrics at metrics.path, per operation and per subgraph', { timeout: 90_000 }, async (t) => {
  const { url, gateway } = await startRouter(t, { enabled: true, path: '/internal/metrics' });

  for (let i = 0; i < 2; i++) {
    const res = await query(url, { query: 'query MetricsProbe { me { name orders { id } } }', operationName: 'MetricsProbe' });
    assert.deepEqual(await res.json(), { data: { me: { name: 'Ada', orders: [{ id: 'u1-o1' }] } } });
  }

  const res = await fetch(`${url}/internal/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const lines = samples(await res.text());
  const value = (prefix) => {
    const line = lines.find((l) => l.startsWith(prefix));
    assert.ok(line, `no sample ${prefix} in:\n${lines.join('\n')}`);
    return Number(line.split(' ').at(-1));
  };
  // Client requests by operation type (not by name: below), with their latency.
  assert.equal(value('graphql_envelop_request{operationType="query"}'), 2);
  assert.equal(value('graphql_envelop_request_duration_count{operationType="query"}'), 2);
  // Each subgraph call, by subgraph: users answers `me`, orders the User entity.
  for (const subgraph of ['users', 'orders']) {
    assert.equal(value(`graphql_gateway_subgraph_execute_duration_count{subgraphName="${subgraph}"`), 2, subgraph);
  }
  // Left out: per-request work (deprecated-field scan, per-phase timings, summaries) and per-URL labels.
  for (const name of ['graphql_envelop_deprecated_field', 'graphql_envelop_phase_', 'graphql_envelop_request_time_summary', 'graphql_gateway_fetch_duration']) {
    assert.ok(!lines.some((l) => l.startsWith(name)), `${name} is exported`);
  }
  assert.ok(!lines.some((l) => /[{,]url="/.test(l)), 'a url label is exported');
  // No label a client chooses: each operation name, alias or path a client sends would otherwise be
  // series the router keeps for good (a few MB for a few requests of long, random names).
  const chosen = `Op${'x'.repeat(2000)}${Date.now()}`;
  await query(url, { query: `query ${chosen} { me { name } }`, operationName: chosen });
  await query(url, { query: `query ${chosen}B { me { n${'y'.repeat(500)}: name } nope }` });
  const after = await (await fetch(`${url}/internal/metrics`)).text();
  assert.ok(!after.includes(chosen) && !after.includes('yyyy'), 'a name the client chose is a label');
  assert.ok(!samples(after).some((l) => /[{,](operationName|path)="/.test(l)), samples(after).join('\n'));
  // Only at the configured path.
  assert.notEqual((await fetch(`${url}/metrics`)).status, 200);

  assert.deepEqual(await gateway.stop(), { code: 0, signal: null });
});

test('metrics.enabled: false serves no metrics', { timeout: 90_000 }, async (t) => {
  const { url, gateway } = await startRouter(t, { enabled: false, path: '/metrics' });
  assert.equal((await (await query(url, { query: '{ me { name } }' })).json()).data.me.name, 'Ada');
  assert.equal((await fetch(`${url}/metrics`)).status, 404);
  assert.deepEqual(await gateway.stop(), { code: 0, signal: null });
});
