// check-operation-limits.mjs: operations over router-config.yaml's limits fail before they reach a
// router, each named by file:line:col, operation and limit; and what it refuses is what the router
// refuses (the same rules: operation-limits.mjs and the graphql-armor packages of Hive Gateway).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { compose, fixture, SUPERGRAPH_DIR, spawnGateway, startJwks, tempDir, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

const SCRIPT = join(SUPERGRAPH_DIR, 'check-operation-limits.mjs');
const LIMITS = { subgraph_timeout_ms: 300, max_depth: 3, max_tokens: 40, max_cost: 1001 };

// One operation per file, each at or just over one limit (LIMITS) of the fixture supergraph, where
// Mutation.login costs 1,001 and a page of users (or followers) without a limit has 10.
const tokens = (ids) => `query Tokens${ids} { me { ${'id '.repeat(ids)}} }`; // 7 tokens and the ids
const OPERATIONS = {
  'at-depth.graphql': 'query AtDepth { me { friends { id } } }',
  'too-deep.graphql': 'query TooDeep { me { friends { friends { id } } } }',
  'at-tokens.graphql': tokens(33),
  'too-many-tokens.graphql': tokens(34),
  'one-login.graphql': 'mutation OneLogin { login(password: "x") { id } }',
  'two-logins.graphql': 'mutation TwoLogins { a: login(password: "x") { id } b: login(password: "x") { id } }',
  // 10 x (1 + 10 x 1) = 110: pages in the pages of a list without limits (the script cannot know
  // a variable's value, and counts the page served without one).
  'pages.graphql': 'query Pages($n: Int) { users(pagination: {limit: $n}) { followers { id } } }',
  // 10 x (1 + 100 x 1) = 1010.
  'larger-pages.graphql': 'query LargerPages { users { followers(pagination: {limit: 100}) { id } } }',
};
const OVER = { TooDeep: 'max_depth', Tokens34: 'max_tokens', TwoLogins: 'max_cost', LargerPages: 'max_cost' };
// How the router answers an operation over each limit.
const ROUTER_CODES = { max_depth: 'GRAPHQL_VALIDATION_FAILED', max_tokens: 'GRAPHQL_PARSE_FAILED', max_cost: 'COST_ESTIMATED_TOO_EXPENSIVE' };

/** A temp dir with the fixture supergraph (users with @cost), a router-config.yaml with `limits` and OPERATIONS. */
async function setup(t, limits = LIMITS) {
  const dir = tempDir(t);
  const unreachable = 'http://127.0.0.1:9/graphql'; // limits refuse before any subgraph is called
  const supergraphYaml = writeSupergraphYaml(dir, {
    users: { url: unreachable, file: fixture('users-with-cost.graphql') },
    orders: { url: unreachable, file: fixture('orders.graphql') },
  });
  assert.equal(compose('--config', supergraphYaml).status, 0);
  const jwks = await startJwks(t);
  const router = await writeRouterConfig(dir, (config) => {
    config.auth.jwks_url = jwks.url;
    delete config.subgraphs;
    config.limits = limits;
  });
  mkdirSync(join(dir, 'operations'));
  for (const [name, text] of Object.entries(OPERATIONS)) writeFileSync(join(dir, 'operations', name), `${text}\n`);
  return { dir, router };
}

const check = (dir, ...args) =>
  spawnSync(process.execPath, [SCRIPT, '--router-config', join(dir, 'router-config.yaml'), ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
const operationFiles = () => Object.keys(OPERATIONS).map((name) => join('operations', name));

test('each operation over a limit is named with its file, line and column, and the limit', async (t) => {
  const { dir } = await setup(t);
  const { status, stderr } = check(dir, ...operationFiles());
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^operations over the router's limits in router-config\.yaml \(4\):$/m);
  assert.match(stderr, /^ {2}- operations\/too-deep\.graphql:1:1: query TooDeep: over limits\.max_depth \(router-config\.yaml\): Query depth limit of 3 exceeded, found 4\.$/m);
  assert.match(stderr, /^ {2}- operations\/too-many-tokens\.graphql:1:1: query Tokens34: over limits\.max_tokens \(router-config\.yaml\): Token limit of 40 exceeded\. The document has 41 tokens\.$/m);
  assert.match(stderr, /^ {2}- operations\/two-logins\.graphql:1:1: mutation TwoLogins: over limits\.max_cost \(router-config\.yaml\): The operation's estimated cost, 2002, is over the router's limit of 1001$/m);
  assert.match(stderr, /^ {2}- operations\/larger-pages\.graphql:1:1: query LargerPages: over limits\.max_cost \(router-config\.yaml\): The operation's estimated cost, 1010, is over the router's limit of 1001$/m);
  assert.doesNotMatch(stderr, /AtDepth|Tokens33|OneLogin|query Pages/);

  const within = check(dir, ...operationFiles().filter((file) => !/too|two|larger/.test(file)));
  assert.equal(within.status, 0, within.stderr);
  assert.equal(within.stdout, "4 operations within the router's limits in router-config.yaml (max_depth 3, max_tokens 40, max_cost 1001)\n");
});

test('an operation counts the fragments it uses from other files, and with --typename the __typename a client adds', async (t) => {
  const { dir } = await setup(t);
  writeFileSync(join(dir, 'operations', 'spreads.graphql'), '\n  query Spreads { me { ...Friends } }\n');
  writeFileSync(join(dir, 'operations', 'fragments.graphql'), 'fragment Friends on User { friends { friends { id } } }\n');
  const spreads = check(dir, 'operations/spreads.graphql', 'operations/fragments.graphql');
  assert.equal(spreads.status, 1);
  assert.match(spreads.stderr, /^ {2}- operations\/spreads\.graphql:2:3: query Spreads: over limits\.max_depth \(router-config\.yaml\): Query depth limit of 3 exceeded/m);

  // 40 tokens as written; a client's __typename in `me { ... }` makes 41.
  assert.equal(check(dir, 'operations/at-tokens.graphql').status, 0);
  const withTypename = check(dir, '--typename', 'operations/at-tokens.graphql');
  assert.equal(withTypename.status, 1);
  assert.match(withTypename.stderr, /query Tokens33: over limits\.max_tokens \(router-config\.yaml\): Token limit of 40 exceeded\. The document has 41 tokens\./);
});

test('a syntax error is named with its file, line and column', async (t) => {
  const { dir } = await setup(t);
  writeFileSync(join(dir, 'operations', 'broken.graphql'), 'query Broken {\n  me {\n');
  const { status, stderr } = check(dir, 'operations/broken.graphql');
  assert.equal(status, 1);
  assert.match(stderr, /^operations\/broken\.graphql:3:1: Syntax Error: Expected Name, found <EOF>\.$/m);
});

test('the script uses the graphql-armor packages Hive Gateway uses', () => {
  const fromGateway = createRequire(createRequire(SCRIPT).resolve('@graphql-hive/gateway'));
  const fromScript = createRequire(SCRIPT);
  for (const name of ['@escape.tech/graphql-armor-max-depth', '@escape.tech/graphql-armor-max-tokens']) {
    assert.equal(fromScript.resolve(name), fromGateway.resolve(name), name);
  }
});

test('the router refuses exactly the operations the script refuses, for the same limit', { timeout: 90_000 }, async (t) => {
  const { dir, router } = await setup(t);
  const { stderr } = check(dir, ...operationFiles());
  const refused = Object.fromEntries([...stderr.matchAll(/: \w+ (\w+): over limits\.(\w+) /g)].map(([, name, key]) => [name, key]));
  assert.deepEqual(refused, OVER);

  const gateway = spawnGateway(t, router.path);
  await gateway.ready(router.url);
  for (const query of Object.values(OPERATIONS)) {
    const name = /^\w+ (\w+)/.exec(query)[1];
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const codes = ((await response.json()).errors ?? []).map((error) => error.extensions?.code);
    const limitCodes = codes.filter((code) => Object.values(ROUTER_CODES).includes(code));
    assert.deepEqual(limitCodes, OVER[name] ? [ROUTER_CODES[OVER[name]]] : [], `${name}: ${codes}`);
  }
});

test('the router counts the page sizes the variables of each request ask for, before any subgraph is called', { timeout: 90_000 }, async (t) => {
  const { router } = await setup(t, { ...LIMITS, max_depth: 12, max_tokens: 1000 });
  const gateway = spawnGateway(t, router.path);
  await gateway.ready(router.url);
  const send = async (query, variables) => {
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: await response.json() };
  };
  const refused = (answer, estimated) => {
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.equal('data' in answer.body, false);
    assert.deepEqual(answer.body.errors.map((e) => [e.extensions.code, e.extensions.cost]), [['COST_ESTIMATED_TOO_EXPENSIVE', { estimated, max: 1001 }]]);
  };
  // Within the limit, a request reaches the (unreachable) subgraph: an error, and not the limit's.
  const called = (answer) => assert.ok(answer.body.errors.every((e) => e.extensions.code !== 'COST_ESTIMATED_TOO_EXPENSIVE'), JSON.stringify(answer.body));

  const pages = 'query Pages($n: Int) { users(pagination: {limit: $n}) { followers { id } } }';
  called(await send(pages, { n: 20 })); // 20 x (1 + 10)
  refused(await send(pages, { n: 100 }), 1100); // the same document, larger pages
  called(await send(pages, { n: 20 }));
  called(await send(pages, {})); // the page served without a limit: 10 x 11
  refused(await send('query($n: Int = 100) { users(pagination: {limit: $n}) { followers { id } } }', {}), 1100);
  refused(await send('query($page: Page) { users(pagination: $page) { followers { id } } }', { page: { limit: 100 } }), 1100);
  // Pages nested in pages multiply, in fragments too.
  const nested = '{ users(pagination: {limit: 5}) { ...F } } fragment F on User { followers(pagination: {limit: 5}) { followers(pagination: {limit: 40}) { id } } }';
  refused(await send(nested), 5 * (1 + 5 * (1 + 40)));
  // A list without @listSize counts as one object, as before.
  called(await send('{ me { friends { id } } }'));
});
