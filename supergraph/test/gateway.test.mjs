// Real processes: fixture subgraphs on node:http, the fixture supergraph composed by compose.mjs,
// and `hive-gateway supergraph` started with a temporary router-config.yaml on a free port.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { get } from 'node:http';
import { test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compose, fixture, spawnGateway, startFixtureSubgraphs, startJwks, tempDir, TEST_HMAC_SECRET, within, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

const ALLOWED_ORIGIN = 'http://localhost:5173';

async function startFixture(t) {
  const { users, orders } = await startFixtureSubgraphs(t);
  const dir = tempDir(t);
  // users' routing_url points nowhere: only the override in router-config.yaml makes it reachable.
  const config = writeSupergraphYaml(dir, {
    users: { url: 'http://127.0.0.1:9/graphql', file: fixture('users.graphql') },
    orders: { url: orders.url, file: fixture('orders.graphql') },
  });
  assert.equal(compose('--config', config).status, 0);
  return { dir, users, orders, jwks: await startJwks(t) };
}

/** The router config for startFixture's subgraphs and key set, with `change` made to it. */
const fixtureRouterConfig = ({ dir, jwks }, change) =>
  writeRouterConfig(dir, (config) => {
    config.auth.jwks_url = jwks.url;
    change(config);
  });

// A GET as it comes over the wire: fetch would decode the body and hide its encoding.
function getRaw(url, headers) {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function post(url, query, headers = {}) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
}

test('the gateway serves a federated query with the configured settings', { timeout: 90_000 }, async (t) => {
  const fixture = await startFixture(t);
  const { users, orders, jwks } = fixture;
  const router = await fixtureRouterConfig(fixture, (c) => {
    c.subgraphs = { users: { url: users.url } };
    c.limits = { subgraph_timeout_ms: 300, max_depth: 3, max_tokens: 1000, max_cost: 1500 };
  });
  const gateway = spawnGateway(t, router.path);
  await gateway.ready(router.url);

  // One query across both subgraphs: users answers `me`, orders resolves the User entity.
  const token = jwks.sign({ iss: 'django-supergraph-users', aud: 'django-supergraph', sub: '1' });
  const bearer = `Bearer ${token}`;
  const res = await post(router.url, '{ me { name orders { id total } } }', { authorization: bearer, origin: ALLOWED_ORIGIN });
  assert.deepEqual(await res.json(), { data: { me: { name: 'Ada', orders: [{ id: 'u1-o1', total: 42 }] } } });
  assert.match(orders.requests.at(-1).query, /_entities/);
  // Every subgraph request carries the router's HMAC signature of its exact body.
  for (const { headers, body } of [users.requests.at(-1), orders.requests.at(-1)]) {
    assert.equal(headers['x-router-signature'], createHmac('sha256', TEST_HMAC_SECRET).update(body).digest('base64'));
  }

  // Listed headers are propagated when present, and not invented when absent.
  assert.equal(users.requests.at(-1).headers.authorization, bearer);
  assert.equal(orders.requests.at(-1).headers.authorization, bearer);
  await post(router.url, '{ me { name } }');
  assert.equal(users.requests.at(-1).headers.authorization, undefined);

  // A token the JWKS key did not sign, or for another audience, never reaches a subgraph.
  const seen = users.requests.length;
  for (const bad of [`${token.slice(0, -4)}AAAA`, jwks.sign({ iss: 'django-supergraph-users', aud: 'other', sub: '1' })]) {
    const refused = await post(router.url, '{ me { name } }', { authorization: `Bearer ${bad}` });
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).errors[0].extensions.code, 'UNAUTHENTICATED');
  }
  assert.equal(users.requests.length, seen);

  // CORS answers only the listed origins, without credentials (tokens are headers, not cookies);
  // another origin, a sandboxed iframe's "null" included, gets no CORS header at all.
  assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
  assert.equal(res.headers.get('access-control-allow-credentials'), null);
  for (const origin of ['http://evil.example', 'null', undefined]) {
    const other = await post(router.url, '{ me { name } }', origin ? { origin } : {});
    assert.equal(other.headers.get('access-control-allow-origin'), null, origin);
    assert.equal(other.headers.get('access-control-allow-credentials'), null, origin);
    assert.match(other.headers.get('vary') ?? '', /\bOrigin\b/i, origin); // for caches: it depends on Origin
  }
  assert.match(res.headers.get('vary') ?? '', /\bOrigin\b/i);
  // Its JavaScript may read the request's id (docs/operations.md) and a 401's challenge, and
  // nothing more than the safelisted headers besides.
  assert.equal(res.headers.get('access-control-expose-headers'), 'X-Request-ID, WWW-Authenticate');
  const refusedInBrowser = await post(router.url, '{ me { name } }', { authorization: 'Bearer not-a-token', origin: ALLOWED_ORIGIN });
  assert.equal(refusedInBrowser.status, 401);
  assert.equal(refusedInBrowser.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  assert.equal(refusedInBrowser.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
  assert.equal(refusedInBrowser.headers.get('access-control-expose-headers'), 'X-Request-ID, WWW-Authenticate');
  // A preflight allows the methods the router serves, whichever one it asks for, and is kept for
  // 2 hours (Chrome's cap) rather than 5 s; another origin's preflight gets no CORS header.
  const preflight = (origin, method) =>
    fetch(`${router.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
    });
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const allowed = await preflight(ALLOWED_ORIGIN, method);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN, method);
    assert.equal(allowed.headers.get('access-control-allow-methods'), 'GET, POST', method);
    assert.equal(allowed.headers.get('access-control-allow-headers'), 'authorization,content-type', method);
    assert.equal(allowed.headers.get('access-control-max-age'), '7200', method);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), null, method);
  }
  for (const origin of ['http://evil.example', 'null']) {
    const refused = await preflight(origin, 'POST');
    assert.deepEqual([...refused.headers.keys()].filter((name) => name.startsWith('access-control-')), [], origin);
  }

  // limits: max_depth rejects before any subgraph is called; a slow subgraph times out.
  const deep = await (await post(router.url, '{ me { friends { friends { id } } } }')).json();
  assert.match(deep.errors[0].message, /depth/i);
  const slow = await (await post(router.url, '{ slow }')).json();
  assert.equal(slow.errors[0].extensions.code, 'GATEWAY_TIMEOUT');

  // introspection and the Laboratory IDE are on.
  const schema = await (await post(router.url, '{ __schema { queryType { name } } }')).json();
  assert.equal(schema.data.__schema.queryType.name, 'Query');
  const ide = await fetch(`${router.url}/graphql`, { headers: { accept: 'text/html' } });
  assert.equal(ide.status, 200);
  assert.match(await ide.text(), /laboratory/i);
  // Laboratory (megabytes of HTML) is sent compressed, with an ETag a returning browser revalidates.
  const compressed = await getRaw(`${router.url}/graphql`, { accept: 'text/html', 'accept-encoding': 'gzip, br' });
  assert.equal(compressed.headers['content-encoding'], 'br');
  const page = brotliDecompressSync(compressed.body).toString();
  assert.match(page, /laboratory/i);
  assert.ok(compressed.body.length * 4 < page.length, `${compressed.body.length} bytes for ${page.length}`);
  const gzipped = await getRaw(`${router.url}/graphql`, { accept: 'text/html', 'accept-encoding': 'br;q=0, gzip' });
  assert.equal(gzipped.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gzipped.body).toString(), page);
  const plain = await getRaw(`${router.url}/graphql`, { accept: 'text/html' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), page);
  assert.equal(plain.headers.etag, compressed.headers.etag);
  const revisit = await getRaw(`${router.url}/graphql`, { accept: 'text/html', 'if-none-match': compressed.headers.etag });
  assert.equal(revisit.status, 304);
  assert.equal(revisit.body.length, 0);
  // GraphQL answers are left as they are: compressing would cost the router CPU on every request.
  const answer = await fetch(`${router.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'br, gzip' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  assert.equal(answer.headers.get('content-encoding'), null);

  assert.deepEqual(await gateway.stop(), { code: 0, signal: null });
});

test('introspection: false and graphiql: false are honoured', { timeout: 90_000 }, async (t) => {
  const router = await fixtureRouterConfig(await startFixture(t), (c) => {
    delete c.subgraphs;
    c.introspection = false;
    c.graphiql = false;
  });
  const gateway = spawnGateway(t, router.path);
  await gateway.ready(router.url);

  const schema = await (await post(router.url, '{ __schema { queryType { name } } }')).json();
  assert.match(schema.errors[0].message, /introspection has been disabled/);
  const typo = await (await post(router.url, '{ me { nam } }')).json();
  assert.doesNotMatch(typo.errors[0].message, /Did you mean/);
  const ide = await fetch(`${router.url}/graphql`, { headers: { accept: 'text/html' } });
  assert.equal(ide.status, 406); // no IDE: an HTML request to /graphql is simply not acceptable

  assert.deepEqual(await gateway.stop(), { code: 0, signal: null });
});

test('the gateway refuses to start with an invalid router-config.yaml', { timeout: 60_000 }, async (t) => {
  const router = await fixtureRouterConfig(await startFixture(t), (c) => {
    c.limits.max_dept = 3;
  });
  const gateway = spawnGateway(t, router.path);
  const { code } = await within(gateway.exited, 30_000, 'gateway with a bad config');
  assert.notEqual(code, 0);
  assert.match(gateway.output.stderr, /router-config\.yaml: limits\.max_dept is not a known key/);
});

test('the gateway refuses to start without ROUTER_HMAC_SECRET', { timeout: 60_000 }, async (t) => {
  const router = await fixtureRouterConfig(await startFixture(t), (c) => delete c.subgraphs);
  const gateway = spawnGateway(t, router.path, { ROUTER_HMAC_SECRET: '' });
  const { code } = await within(gateway.exited, 30_000, 'gateway without a signing secret');
  assert.notEqual(code, 0);
  assert.match(gateway.output.stderr, /set ROUTER_HMAC_SECRET/);
});

for (const [name, value] of [['FORK', '2'], ['HIVE_USAGE_ACCESS_TOKEN', 'some-token']]) {
  test(`the gateway refuses to start when ${name} would override router-config.yaml`, { timeout: 60_000 }, async (t) => {
    const router = await fixtureRouterConfig(await startFixture(t), (c) => delete c.subgraphs);
    const gateway = spawnGateway(t, router.path, { [name]: value });
    const { code } = await within(gateway.exited, 30_000, `gateway with ${name} set`);
    assert.notEqual(code, 0);
    assert.match(gateway.output.stderr, new RegExp(`unset ${name}: router-config\\.yaml .* is the only router configuration`));
  });
}
