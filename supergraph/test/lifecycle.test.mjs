// The router's life around its requests: a supergraph file rewritten under it (in place, by a
// rename, with something that is no supergraph), and a SIGTERM with a request in flight. Real
// processes, as in gateway.test.mjs.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { compose, fixture, spawnGateway, startFixtureSubgraphs, startJwks, startSubgraph, tempDir, within, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

/** The supergraph of `subgraphs` ({ name: { url, file } }), as compose.mjs writes it. */
function composed(t, subgraphs) {
  const dir = tempDir(t);
  assert.equal(compose('--config', writeSupergraphYaml(dir, subgraphs)).status, 0);
  return readFileSync(join(dir, 'supergraph.graphql'), 'utf8');
}

/** A router on a free port serving `supergraph` from a file of its own (`path`). */
async function startRouter(t, supergraph, limits = {}) {
  const dir = tempDir(t);
  const path = join(dir, 'supergraph.graphql');
  writeFileSync(path, supergraph);
  const jwks = await startJwks(t);
  const { path: configPath, url } = await writeRouterConfig(dir, (config) => {
    config.auth.jwks_url = jwks.url;
    config.limits = { ...config.limits, ...limits };
    delete config.subgraphs;
  });
  const gateway = spawnGateway(t, configPath, { LOG_JSON: '1' });
  await gateway.ready(url);
  return { path, dir, url, gateway };
}

const ask = (url, query) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then((res) =>
    res.json(),
  );

// The router reads the file again at most every 10 s, when a request comes: ask until `done` says
// the answer shows what is expected, the router answering all along.
async function askUntil(router, query, done, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await ask(router.url, query);
    if (done(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(answer)} after 30 s\n${router.gateway.output.stdout}${router.gateway.output.stderr}`);
    await sleep(250);
  }
}

const logLines = ({ output }) =>
  `${output.stdout}${output.stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));

async function refusals(router, count) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await ask(router.url, '{ me { name } }'); // a request is what makes the router look at the file
    const refused = logLines(router.gateway).filter((line) => line.msg?.startsWith('The supergraph file cannot be served'));
    if (refused.length >= count) return refused;
    if (Date.now() > deadline) throw new Error(`no refusal logged after 30 s\n${router.gateway.output.stdout}`);
    await sleep(250);
  }
}

const withOrders = (answer) => answer.data?.me?.orders?.[0]?.total === 42;
const withoutOrders = (answer) => /Cannot query field "orders"/.test(answer.errors?.[0]?.message);

test('a supergraph file rewritten in place or by a rename is served; one that is no supergraph is not, and the router keeps serving', { timeout: 150_000 }, async (t) => {
  const { users, orders } = await startFixtureSubgraphs(t);
  const usersOnly = composed(t, { users: { url: users.url, file: fixture('users.graphql') } });
  const both = composed(t, { users: { url: users.url, file: fixture('users.graphql') }, orders: { url: orders.url, file: fixture('orders.graphql') } });
  const router = await startRouter(t, usersOnly);
  const query = '{ me { name orders { total } } }';
  assert.ok(withoutOrders(await ask(router.url, query)));

  // In place, as compose.mjs wrote it and `make schema` did: the file is empty for a moment.
  const fd = openSync(router.path, 'w');
  await sleep(300);
  writeSync(fd, both);
  closeSync(fd);
  await askUntil(router, query, withOrders, 'rewritten in place');

  // Not GraphQL, then GraphQL that is no supergraph: logged, and the last good one still serves.
  writeFileSync(router.path, 'this is not { a supergraph');
  const [notGraphql] = await refusals(router, 1);
  assert.equal(notGraphql.path, router.path);
  assert.match(notGraphql.problem, /is not GraphQL: Syntax Error/);
  assert.ok(withOrders(await ask(router.url, query)));
  writeFileSync(router.path, 'type Query { me: String }');
  await refusals(router, 2);
  assert.ok(withOrders(await ask(router.url, query)));

  // Replaced by a rename, as an atomic write, mv or git checkout do.
  writeFileSync(join(router.dir, 'next.graphql'), usersOnly);
  renameSync(join(router.dir, 'next.graphql'), router.path);
  await askUntil(router, query, withoutOrders, 'replaced by a rename');
  writeFileSync(join(router.dir, 'next.graphql'), both);
  renameSync(join(router.dir, 'next.graphql'), router.path);
  await askUntil(router, query, withOrders, 'replaced by a rename again');

  assert.equal(logLines(router.gateway).filter((line) => line.msg?.startsWith('The supergraph file cannot be served')).length, 2);
  assert.deepEqual(await router.gateway.stop(), { code: 0, signal: null });
});

test('on SIGTERM the router stops taking connections, answers the requests in flight, then exits', { timeout: 60_000 }, async (t) => {
  const { users, orders } = await startFixtureSubgraphs(t);
  const supergraph = composed(t, { users: { url: users.url, file: fixture('users.graphql') }, orders: { url: orders.url, file: fixture('orders.graphql') } });
  const router = await startRouter(t, supergraph, { subgraph_timeout_ms: 5000 });

  const inFlight = ask(router.url, '{ slow }'); // the orders subgraph answers it after 2 s
  await sleep(700);
  const stopping = router.gateway.stop();
  await sleep(200);
  await assert.rejects(fetch(`${router.url}/readiness`), 'a new connection is refused');
  assert.deepEqual(await inFlight, { data: { slow: true } });
  assert.deepEqual(await within(stopping, 3000, 'router after its last request'), { code: 0, signal: null });
});

test('a request in flight when the supergraph changes is answered in full, a mutation too', { timeout: 90_000 }, async (t) => {
  const { users, orders } = await startFixtureSubgraphs(t);
  const inputs = await startSubgraph(t, fixture('inputs.graphql'), {
    query: { signUp: ({ name }) => new Promise((resolve) => setTimeout(() => resolve(name), 2000)) },
    entity: ({ id }) => ({ __typename: 'Thing', id }),
  });
  const before = composed(t, { users: { url: users.url, file: fixture('users.graphql') }, inputs: { url: inputs.url, file: fixture('inputs.graphql') } });
  const after = composed(t, {
    users: { url: users.url, file: fixture('users.graphql') },
    inputs: { url: inputs.url, file: fixture('inputs.graphql') },
    orders: { url: orders.url, file: fixture('orders.graphql') },
  });
  const router = await startRouter(t, before);
  writeFileSync(router.path, after);
  await sleep(10_500); // the mutation is the first request after the router may read the file again
  assert.deepEqual(await ask(router.url, 'mutation { signUp(name: "Ada") }'), { data: { signUp: 'Ada' } });
  assert.ok(logLines(router.gateway).some((line) => line.msg === 'Serving the changed supergraph file'));
});
