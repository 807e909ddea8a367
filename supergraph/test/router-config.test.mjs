import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { loadRouterConfig, RouterConfigError, validateRouterConfig } from '../router-config.mjs';
import { compose, fixture, tempDir, writeSupergraphYaml } from './helpers.mjs';

const committed = () => YAML.parse(readFileSync(new URL('../../router-config.yaml', import.meta.url), 'utf8'));

/** A temp dir with a composed fixture supergraph and a router-config.yaml made from the committed one. */
function setup(t, change = () => {}) {
  const dir = tempDir(t);
  const supergraphYaml = writeSupergraphYaml(dir, {
    users: { url: 'http://127.0.0.1:4001/graphql', file: fixture('users.graphql') },
    orders: { url: 'http://127.0.0.1:4002/graphql', file: fixture('orders.graphql') },
  });
  assert.equal(compose('--config', supergraphYaml).status, 0);
  const config = committed();
  config.supergraph = 'supergraph.graphql';
  config.subgraphs = { users: { url: 'http://127.0.0.1:5001/graphql' } };
  change(config);
  const file = join(dir, 'router-config.yaml');
  writeFileSync(file, YAML.stringify(config));
  return { dir, file };
}

const rejects = (fn, message) => assert.throws(fn, (err) => err instanceof RouterConfigError && message.test(err.message));

test('the committed router-config.yaml is valid', () => {
  assert.deepEqual(validateRouterConfig(committed()), committed());
});

test('an unknown key is rejected with its key path', () => {
  const config = committed();
  config.limits.max_dept = 12;
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: limits\.max_dept is not a known key$/);
});

test('a wrong type is rejected with its key path', () => {
  const config = committed();
  config.limits.max_depth = '12';
  config.listen.port = 70000;
  config.cors.origins.push('*');
  // Every problem is reported, one line each.
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: limits\.max_depth must be integer$/m);
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: listen\.port must be <= 65535$/m);
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: cors\.origins\[2\] must match pattern/m);
});

test('a missing key is rejected', () => {
  const config = committed();
  delete config.introspection;
  rejects(() => validateRouterConfig(config), /introspection is required/);
});

test('supergraph is resolved against the YAML file directory, or taken as absolute', (t) => {
  const { dir, file } = setup(t);
  assert.equal(loadRouterConfig(file).supergraph, join(dir, 'supergraph.graphql'));

  const absolute = setup(t, (c) => (c.supergraph = join(dir, 'supergraph.graphql')));
  assert.equal(loadRouterConfig(absolute.file).supergraph, join(dir, 'supergraph.graphql'));
});

test('a subgraph override for a name the supergraph lacks is rejected', (t) => {
  const { file } = setup(t, (c) => (c.subgraphs.user = { url: 'http://127.0.0.1:5001/graphql' }));
  rejects(() => loadRouterConfig(file), /subgraphs\.user is not a subgraph of the supergraph \(it has: orders, users\)/);
});

test('invalid YAML and a missing supergraph file are reported', (t) => {
  const { dir, file } = setup(t, (c) => (c.supergraph = 'missing.graphql'));
  rejects(() => loadRouterConfig(file), /supergraph .*missing\.graphql does not exist/);

  writeFileSync(join(dir, 'router-config.yaml'), 'listen: {host: 127.0.0.1\n');
  rejects(() => loadRouterConfig(file), /router-config\.yaml: /);
});

test('a max_cost below what one field costs alone is rejected', (t) => {
  const dir = tempDir(t);
  const supergraphYaml = writeSupergraphYaml(dir, {
    users: { url: 'http://127.0.0.1:4001/graphql', file: fixture('users-with-cost.graphql') },
    orders: { url: 'http://127.0.0.1:4002/graphql', file: fixture('orders.graphql') },
  });
  assert.equal(compose('--config', supergraphYaml).status, 0);
  const file = join(dir, 'router-config.yaml');
  const write = (maxCost) => {
    const config = { ...committed(), supergraph: 'supergraph.graphql', limits: { ...committed().limits, max_cost: maxCost } };
    delete config.subgraphs;
    writeFileSync(file, YAML.stringify(config));
  };
  write(1000); // the weight, and 1 for the object login returns
  rejects(() => loadRouterConfig(file), /limits\.max_cost \(1000\) is below what Mutation\.login costs alone \(1001\): no operation could ask for it/);
  write(1001);
  assert.equal(loadRouterConfig(file).limits.max_cost, 1001);
});

test('a CORS origin written otherwise than a browser sends it is rejected, naming the form to write', () => {
  const config = committed();
  config.cors.origins = ['https://App.Example.com', 'https://app.example.com:443', 'http://localhost:80', 'https://app.example.com:8443'];
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: cors\.origins\[0\] https:\/\/App\.Example\.com is not an origin as a browser sends it: write https:\/\/app\.example\.com$/m);
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: cors\.origins\[1\] https:\/\/app\.example\.com:443 is not an origin as a browser sends it: write https:\/\/app\.example\.com$/m);
  rejects(() => validateRouterConfig(config), /^router-config\.yaml: cors\.origins\[2\] http:\/\/localhost:80 is not an origin as a browser sends it: write http:\/\/localhost$/m);
  // A port that is not the scheme's default is part of the origin a browser sends.
  config.cors.origins = ['https://app.example.com:8443', 'http://[::1]:5173'];
  assert.deepEqual(validateRouterConfig(config).cors.origins, ['https://app.example.com:8443', 'http://[::1]:5173']);
});

test('a supergraph file that is not GraphQL, or no supergraph, is reported', (t) => {
  const { dir, file } = setup(t);
  writeFileSync(join(dir, 'supergraph.graphql'), 'not { graphql');
  rejects(() => loadRouterConfig(file), /router-config\.yaml: supergraph .*supergraph\.graphql is not GraphQL: Syntax Error/);
  writeFileSync(join(dir, 'supergraph.graphql'), 'type Query { me: String }');
  rejects(() => loadRouterConfig(file), /router-config\.yaml: supergraph .*supergraph\.graphql is not a supergraph: it names no subgraph/);
});
