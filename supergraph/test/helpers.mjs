// Shared test helpers: temp dirs, running the scripts, a tiny federation subgraph, the gateway process.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphql } from 'graphql';
import YAML from 'yaml';
import { OVERRIDING_ENV } from '../router-config.mjs';

export const SUPERGRAPH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'supergraph-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a rover-style supergraph.yaml; subgraphs: { name: { url, file } }. */
export function writeSupergraphYaml(dir, subgraphs) {
  const config = {
    federation_version: '=2.9.0',
    subgraphs: Object.fromEntries(
      Object.entries(subgraphs).map(([name, { url, file }]) => [name, { routing_url: url, schema: { file } }]),
    ),
  };
  const path = join(dir, 'supergraph.yaml');
  writeFileSync(path, YAML.stringify(config));
  return path;
}

export function compose(...args) {
  return spawnSync(process.execPath, ['compose.mjs', ...args], { cwd: SUPERGRAPH_DIR, encoding: 'utf8', timeout: 30_000 });
}

const portsHandedOut = new Set();

/**
 * A port for a gateway, free until the gateway listens there. Not listen(0): that port comes from
 * the kernel's ephemeral range and is released at once, so the test's own servers (listen(0)) or
 * an outgoing connection may take it first. As scripts/stack.py's free_port(): a port outside that
 * range that nothing listens on, never handed out twice.
 */
export async function freePort() {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const below = Math.max(low - 20000, 0);
  for (;;) {
    const draw = Math.floor(Math.random() * (below + 65535 - high));
    const port = draw < below ? 20000 + draw : high + 1 + draw - below;
    if (!portsHandedOut.has(port) && (await canListen(port))) {
      portsHandedOut.add(port);
      return port;
    }
  }
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A federation subgraph as small as it gets: the fixture SDL plus _service/_entities, executed by
 * graphql-js over node:http. `query` resolves root fields, `entity` resolves one representation.
 * Every request's headers and query are recorded in `requests`. With `hmacSecret`, a request whose
 * x-router-signature is not its body's HMAC under that secret is refused as federation_kit's
 * SubgraphGuardMiddleware refuses it.
 */
export async function startSubgraph(t, sdlFile, { query = {}, entity, hmacSecret }) {
  const sdl = readFileSync(sdlFile, 'utf8');
  const entityTypes = [...sdl.matchAll(/type (\w+) @key/g)].map((m) => m[1]);
  const schema = buildSchema(
    `${sdl}
    scalar _Any
    union _Entity = ${entityTypes.join(' | ')}
    type _Service { sdl: String }
    extend type Query { _service: _Service! _entities(representations: [_Any!]!): [_Entity]! }`,
    { assumeValidSDL: true }, // federation directives (@key, @link) are not declared here
  );
  const rootValue = { ...query, _service: { sdl }, _entities: ({ representations }) => representations.map(entity) };
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const { query: source, variables, operationName } = JSON.parse(body.toString('utf8'));
    requests.push({ headers: req.headers, body, query: source });
    // hmacSecret: the secret this subgraph checks signatures with; a function of the query: per request.
    const secret = typeof hmacSecret === 'function' ? hmacSecret(source) : hmacSecret;
    if (secret && req.headers['x-router-signature'] !== createHmac('sha256', secret).update(body).digest('base64')) {
      const refusal = { message: 'The X-Router-Signature header does not sign this request', extensions: { code: 'ROUTER_SIGNATURE_INVALID' } };
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ data: null, errors: [refusal] }));
      return;
    }
    const result = await graphql({ schema, source, variableValues: variables, operationName, rootValue });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${server.address().port}/graphql`, requests };
}

/**
 * The two fixture subgraphs most router tests run on: users (`me`, User) and orders (User.orders,
 * and `slow`, which answers after 2 s).
 */
export async function startFixtureSubgraphs(t) {
  const users = await startSubgraph(t, fixture('users.graphql'), {
    query: { me: () => ({ id: 'u1', name: 'Ada', friends: [] }) },
    entity: ({ id }) => ({ __typename: 'User', id, name: 'Ada', friends: [] }),
  });
  const orders = await startSubgraph(t, fixture('orders.graphql'), {
    query: { slow: () => new Promise((resolve) => setTimeout(() => resolve(true), 2000)) },
    entity: ({ id }) => ({ __typename: 'User', id, orders: [{ id: `${id}-o1`, total: 42 }] }),
  });
  return { users, orders };
}

/**
 * The committed router-config.yaml with test values, written into `dir`: a free port and the
 * supergraph `dir`/supergraph.graphql (relative to the YAML file); `change` edits the rest.
 */
export async function writeRouterConfig(dir, change) {
  const config = YAML.parse(readFileSync(new URL('../../router-config.yaml', import.meta.url), 'utf8'));
  config.listen.port = await freePort();
  config.supergraph = 'supergraph.graphql';
  change(config);
  const path = join(dir, 'router-config.yaml');
  writeFileSync(path, YAML.stringify(config));
  return { path, url: `http://127.0.0.1:${config.listen.port}` };
}

// Env vars the gateway config refuses (they would override router-config.yaml); keep them out of tests.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !OVERRIDING_ENV.includes(name)));
export const TEST_HMAC_SECRET = 'gateway-tests-hmac-secret';

export const base64url = (data) => Buffer.from(data).toString('base64url');

/** An RS256 token of `claims` signed by `privateKey`, `kid` in its header (iat/exp filled in unless given). */
export function signToken(privateKey, kid, claims) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify({ iat: now, exp: now + 600, ...claims }));
  const signature = cryptoSign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/**
 * A JWKS endpoint with one RS256 key, as the users service publishes, and `sign(claims)` making
 * tokens with it. `rotate()` publishes another key beside it and returns a `sign` for that one,
 * `withdraw(kid)` removes one; `answerWith(status, body)` answers every fetch so from now on
 * (`null`: the keys again); `fetches()` counts the fetches.
 */
export async function startJwks(t) {
  const published = [];
  const addKey = (kid) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    published.push({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' });
    return (claims) => signToken(privateKey, kid, claims);
  };
  const sign = addKey('test-key');
  let fetches = 0;
  let answer = null;
  const server = createServer((req, res) => {
    fetches += 1;
    if (answer) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`,
    sign,
    rotate: () => addKey(`test-key-${published.length + 1}`),
    withdraw: (kid) => published.splice(published.findIndex((jwk) => jwk.kid === kid), 1),
    answerWith: (status, body = '') => {
      answer = status === null ? null : { status, body };
    },
    fetches: () => fetches,
  };
}

/** Runs `hive-gateway supergraph` from supergraph/ with ROUTER_CONFIG; always killed after the test. */
export function spawnGateway(t, routerConfig, env = {}) {
  const child = spawn(process.execPath, ['node_modules/@graphql-hive/gateway/dist/bin.js', 'supergraph'], {
    cwd: SUPERGRAPH_DIR,
    env: { ...cleanEnv, ROUTER_CONFIG: routerConfig, ROUTER_HMAC_SECRET: TEST_HMAC_SECRET, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (output.stdout += d));
  child.stderr.on('data', (d) => (output.stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));

  return {
    output,
    exited,
    /** Resolves once /readiness answers 200; rejects if the process exits or 30 s pass. */
    async ready(baseUrl) {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output.stdout}${output.stderr}`);
        const ok = await fetch(`${baseUrl}/readiness`).then((r) => r.ok, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`gateway not ready after 30 s:\n${output.stdout}${output.stderr}`);
    },
    /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves with { code, signal }. */
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Resolves like `promise` if it settles within `ms`, else rejects (spawnGateway's cleanup then kills the process). */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no exit within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
