import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compose, fixture, tempDir, writeSupergraphYaml } from './helpers.mjs';

const users = { url: 'http://127.0.0.1:4001/graphql', file: fixture('users.graphql') };
const orders = { url: 'http://127.0.0.1:4002/graphql', file: fixture('orders.graphql') };

test('composes the fixture subgraphs deterministically', (t) => {
  const dir = tempDir(t);
  const config = writeSupergraphYaml(dir, { users, orders });
  const out = join(dir, 'supergraph.graphql');

  assert.equal(compose('--config', config).status, 0);
  const first = readFileSync(out, 'utf8');
  assert.match(first, /USERS @join__graph\(name: "users", url: "http:\/\/127\.0\.0\.1:4001\/graphql"\)/);
  assert.match(first, /orders: \[Order!\]! @join__field\(graph: ORDERS\)/);
  assert.ok(first.endsWith('}\n'), 'ends with exactly one newline');

  // Same input, and the same subgraphs listed in another order, give byte-identical output.
  assert.equal(compose('--config', config).status, 0);
  assert.equal(readFileSync(out, 'utf8'), first);
  writeSupergraphYaml(dir, { orders, users });
  assert.equal(compose('--config', config).status, 0);
  assert.equal(readFileSync(out, 'utf8'), first);

  const check = compose('--check', '--config', config);
  assert.equal(check.status, 0, check.stderr);
});

test('--check fails on drift with a diff', (t) => {
  const dir = tempDir(t);
  const config = writeSupergraphYaml(dir, { users, orders });
  assert.equal(compose('--config', config).status, 0);
  const out = join(dir, 'supergraph.graphql');
  writeFileSync(out, readFileSync(out, 'utf8').replace('total: Int!', 'total: Float!'));

  const check = compose('--check', '--config', config);
  assert.equal(check.status, 1);
  assert.match(check.stderr, /supergraph\.graphql is out of date: run `make schema`/);
  assert.match(check.stderr, /^-  total: Float!$/m);
  assert.match(check.stderr, /^\+  total: Int!$/m);
});

test('--check fails on a composition error, naming the subgraphs', (t) => {
  const dir = tempDir(t);
  const conflicting = { url: 'http://127.0.0.1:4009/graphql', file: fixture('conflicting.graphql') };
  const config = writeSupergraphYaml(dir, { users, conflicting });

  const check = compose('--check', '--config', config);
  assert.equal(check.status, 1);
  assert.match(check.stderr, /composition failed/);
  assert.match(
    check.stderr,
    /FIELD_TYPE_MISMATCH \(subgraphs conflicting, users\): Type of field "User\.name" is incompatible across subgraphs/,
  );
});

test('a missing schema file is a one-line error naming the subgraph and path', (t) => {
  const dir = tempDir(t);
  const config = writeSupergraphYaml(dir, { users, payments: { url: users.url, file: join(dir, 'nope.graphql') } });

  const run = compose('--config', config);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^subgraph "payments": schema file not found: .*nope\.graphql\n$/);
});

test('the output replaces the previous file by a rename: a reader (the router) never sees half of it', (t) => {
  const dir = tempDir(t);
  const config = writeSupergraphYaml(dir, { users, orders });
  const out = join(dir, 'supergraph.graphql');
  writeFileSync(out, 'the previous supergraph');
  const previous = statSync(out).ino;
  assert.equal(compose('--config', config).status, 0);
  assert.notEqual(statSync(out).ino, previous, 'written in place');
  assert.deepEqual(readdirSync(dir).sort(), ['api-schema.graphql', 'supergraph.graphql', 'supergraph.yaml']);
});
