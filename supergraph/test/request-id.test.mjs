// The request id (X-Request-ID) the router gives each request, answers, sends to the subgraphs and
// logs its lines about the request with: real processes, as in gateway.test.mjs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { compose, fixture, freePort, spawnGateway, startFixtureSubgraphs, startJwks, tempDir, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// users answers, orders' `slow` takes longer than the router waits, and the inputs subgraph is down.
async function startRouter(t) {
  const { users, orders } = await startFixtureSubgraphs(t);
  const dir = tempDir(t);
  const nowhere = `http://127.0.0.1:${await freePort()}/graphql`;
  const supergraphYaml = writeSupergraphYaml(dir, {
    users: { url: users.url, file: fixture('users.graphql') },
    orders: { url: orders.url, file: fixture('orders.graphql') },
    inputs: { url: nowhere, file: fixture('inputs.graphql') },
  });
  assert.equal(compose('--config', supergraphYaml).status, 0);
  const jwks = await startJwks(t);
  const { path, url } = await writeRouterConfig(dir, (config) => {
    config.auth.jwks_url = jwks.url;
    config.limits.subgraph_timeout_ms = 300;
    delete config.subgraphs;
  });
  const gateway = spawnGateway(t, path, { LOG_JSON: '1' });
  await gateway.ready(url);
  const send = async (query, headers = {}) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return { requestId: res.headers.get('x-request-id'), body: await res.json() };
  };
  return { users, send, gateway };
}

/** The router's JSON log lines with `requestId`, waiting a little for them to be written. */
async function linesOf({ output }, requestId) {
  for (let waited = 0; ; waited += 100) {
    const lines = output.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .filter((line) => line.requestId === requestId);
    if (lines.length || waited > 3000) return lines;
    await sleep(100);
  }
}

test('an X-Request-ID the services would keep is kept, any other is replaced, and one id goes to the client and the subgraphs', { timeout: 90_000 }, async (t) => {
  const { users, send } = await startRouter(t);
  const kept = 'client-1.a_b:c@d/e+f=g-h';
  const answer = await send('{ me { name } }', { 'x-request-id': kept });
  assert.deepEqual(answer.body, { data: { me: { name: 'Ada' } } });
  assert.equal(answer.requestId, kept);
  assert.equal(users.requests.at(-1).headers['x-request-id'], kept);
  assert.equal((await send('{ me { name } }', { 'x-request-id': 'x'.repeat(128) })).requestId, 'x'.repeat(128));

  // As federation_kit.observability refuses them: a service would log the request under an id of its own.
  for (const refused of [undefined, '', 'two words', 'x'.repeat(129), '<script>', 'a;b', 'a,b', 'é']) {
    const headers = refused === undefined ? {} : { 'x-request-id': refused };
    const { requestId } = await send('{ me { name } }', headers);
    assert.match(requestId, UUID, JSON.stringify(refused));
    assert.equal(users.requests.at(-1).headers['x-request-id'], requestId, JSON.stringify(refused));
  }
});

test("the router's log lines about a request carry its id: a subgraph too slow, a subgraph down", { timeout: 90_000 }, async (t) => {
  const { send, gateway } = await startRouter(t);

  const slow = await send('{ slow }', { 'x-request-id': 'slow-probe' });
  assert.equal(slow.body.errors[0].extensions.code, 'GATEWAY_TIMEOUT');
  const [timeout] = await linesOf(gateway, 'slow-probe');
  assert.equal(timeout?.level, 'error', gateway.output.stdout);
  assert.equal(timeout.serviceName, 'orders');
  assert.equal(timeout.code, 'GATEWAY_TIMEOUT');
  assert.match(timeout.msg, /did not answer within 300 ms/);

  const down = await send('{ echo(value: "secret") }', { 'x-request-id': 'not-a valid id' });
  assert.equal(down.body.errors[0].extensions.code, 'SUBREQUEST_HTTP_ERROR');
  const [refused] = await linesOf(gateway, down.requestId);
  assert.equal(refused?.level, 'error', gateway.output.stdout);
  assert.equal(refused.serviceName, 'inputs');
  assert.equal(refused.code, 'SUBREQUEST_HTTP_ERROR');
  assert.match(refused.msg, /ECONNREFUSED/);
  // Not the request sent to the subgraph: its variables may hold a password.
  assert.doesNotMatch(JSON.stringify(refused), /secret/);
});
