// The router's keys for checking tokens (bearer-tokens.mjs), against a real JWKS endpoint, with
// short ages: the gateway tests (errors.test.mjs) run it with its 5-minute and 5-second ones.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jwksKeys } from '../bearer-tokens.mjs';
import { startJwks } from './helpers.mjs';

const KEPT_MS = 300;
const COOLDOWN_MS = 100;
const code = (expected) => (error) => error.extensions?.code === expected;

test('while the JWKS cannot be fetched the keys as last fetched answer; a withdrawn key goes at the next fetch that succeeds', async (t) => {
  const jwks = await startJwks(t);
  const keyFor = jwksKeys(jwks.url, { keptMs: KEPT_MS, cooldownMs: COOLDOWN_MS });
  const key = await keyFor('test-key');
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.equal(await keyFor('test-key'), key);
  assert.equal(jwks.fetches(), 1);

  jwks.answerWith(503);
  await sleep(KEPT_MS + 50);
  assert.equal(await keyFor('test-key'), key, 'the users service down: its key as last fetched');
  assert.equal(jwks.fetches(), 2);
  await assert.rejects(keyFor('new-key'), code('DEPENDENCY_UNAVAILABLE'));
  assert.equal(jwks.fetches(), 2, 'within the cooldown: no fetch');

  jwks.answerWith(null);
  jwks.rotate();
  jwks.withdraw('test-key');
  await sleep(COOLDOWN_MS + 50);
  assert.equal(await keyFor('test-key'), key, 'the refetch runs without holding up the request');
  await sleep(50);
  assert.equal(jwks.fetches(), 3);
  await assert.rejects(keyFor('test-key'), code('UNAUTHENTICATED'));
  assert.equal((await keyFor('test-key-2')).asymmetricKeyType, 'rsa');
});

test('a JWKS never fetched: DEPENDENCY_UNAVAILABLE, one fetch per cooldown', async (t) => {
  const jwks = await startJwks(t);
  jwks.answerWith(500);
  const keyFor = jwksKeys(jwks.url, { keptMs: KEPT_MS, cooldownMs: COOLDOWN_MS });
  const refused = await Promise.allSettled([1, 2, 3, 4].map(() => keyFor('test-key')));
  assert.ok(refused.every(({ status, reason }) => status === 'rejected' && reason.extensions.code === 'DEPENDENCY_UNAVAILABLE'));
  assert.equal(jwks.fetches(), 1, 'requests at once share one fetch');
  jwks.answerWith(null);
  await sleep(COOLDOWN_MS + 50);
  assert.equal((await keyFor('test-key')).asymmetricKeyType, 'rsa');
  assert.equal(jwks.fetches(), 2);
});

test('a JWKS that stops halfway, redirects or is too large is a failed fetch, not a hang', async (t) => {
  const answers = {
    '/stalls': (res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"keys": ['),
    '/redirects': (res) => res.writeHead(302, { location: '/stalls' }).end(),
    '/declared-too-large': (res) => res.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).write('{'),
    '/too-large': (res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"keys": [], "padding": "${'x'.repeat(2 * 1024 * 1024)}"}`),
  };
  const server = createServer((req, res) => answers[req.url](res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  for (const path of Object.keys(answers)) {
    const keyFor = jwksKeys(`http://127.0.0.1:${server.address().port}${path}`, { timeoutMs: 300 });
    const started = performance.now();
    await assert.rejects(keyFor('test-key'), code('DEPENDENCY_UNAVAILABLE'), path);
    assert.ok(performance.now() - started < 2_000, `${path}: ${performance.now() - started} ms`);
  }
});
