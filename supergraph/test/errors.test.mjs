// What a client gets for a request that is not one GraphQL request, one graphql-js refuses without a
// code, an Authorization header that is not a bearer token, or a bad token: an error with a code of the README's
// table and nothing of our internals (gateway.config.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { base64url, compose, fixture, freePort, signToken, spawnGateway, startJwks, startSubgraph, tempDir, TEST_HMAC_SECRET, writeRouterConfig, writeSupergraphYaml } from './helpers.mjs';

// `withInputs`: a second subgraph (fixtures/inputs.graphql) with a mutation and arguments of any shape.
// `inputsDown`: the inputs subgraph is in the supergraph, but nothing answers at its URL.
// `subgraphHmacSecret`: the subgraphs check the router's signatures with this secret.
// `inputsHmacSecret`: the inputs subgraph's, when it is not subgraphHmacSecret (a function of the query: per request).
async function startGateway(t, { jwksUrl, withInputs = false, inputsDown = false, maxDepth = 3, subgraphHmacSecret, inputsHmacSecret = subgraphHmacSecret } = {}) {
  const users = await startSubgraph(t, fixture('users.graphql'), {
    query: { me: () => ({ id: 'u1', name: 'Ada', friends: [] }) },
    entity: ({ id }) => ({ __typename: 'User', id, name: 'Ada', friends: [{ id: 'u2', name: 'Grace', friends: [] }] }),
    hmacSecret: subgraphHmacSecret,
  });
  const subgraphs = { users: { url: users.url, file: fixture('users.graphql') } };
  const inputs = withInputs
    ? await startSubgraph(t, fixture('inputs.graphql'), {
        query: {
          echo: ({ value, list }) => JSON.stringify(value ?? list),
          signUp: ({ name }) => name,
          refused: () => {
            throw new GraphQLError('Not yours', { extensions: { code: 'FORBIDDEN' } });
          },
          befriend: () => ({ id: 'u1' }),
        },
        entity: ({ __typename, id }) => (__typename === 'User' ? { __typename, id, note: 'met at a conference' } : { __typename: 'Thing', id }),
        hmacSecret: inputsHmacSecret,
      })
    : null;
  if (inputs) subgraphs.inputs = { url: inputsDown ? `http://127.0.0.1:${await freePort()}/graphql` : inputs.url, file: fixture('inputs.graphql') };
  const dir = tempDir(t);
  assert.equal(compose('--config', writeSupergraphYaml(dir, subgraphs)).status, 0);
  const jwks = await startJwks(t);
  const { path, url } = await writeRouterConfig(dir, (config) => {
    config.auth.jwks_url = jwksUrl ?? jwks.url;
    delete config.subgraphs;
    config.limits.max_depth = maxDepth;
  });
  const gateway = spawnGateway(t, path, { LOG_JSON: '1' });
  await gateway.ready(url);
  const post = (body, headers = {}) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const send = async (body, headers = {}) => {
    const res = await post(body, headers);
    return { status: res.status, body: await res.json() };
  };
  return { users, inputs, post, send, jwks, url, gateway };
}

test('a body that is not one GraphQL request gets BAD_REQUEST and nothing of the JSON parser', { timeout: 90_000 }, async (t) => {
  const { users, send, url } = await startGateway(t);
  const bodies = {
    'truncated JSON': '{"query": "{ me { name } }"',
    'empty': '',
    'a byte-order mark': '\ufeff{"query": "{ me { name } }"}',
    'invalid UTF-8': Buffer.from('{"query": "{ me { name \xff } }"}', 'latin1'),
    'NaN': '{"query": "{ me { name } }", "variables": {"x": NaN}}',
    'null': 'null',
    'a number': '42',
    'a batch': JSON.stringify([{ query: '{ me { name } }' }, { query: '{ me { name } }' }]),
    'query not a string': '{"query": 1}',
    'variables not an object': '{"query": "{ me { name } }", "variables": "x"}',
    'no query': '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}',
  };
  for (const [name, body] of Object.entries(bodies)) {
    const answer = await send(body);
    assert.equal(answer.status, 400, name);
    assert.equal(answer.body.errors.length, 1, name);
    assert.deepEqual(answer.body.errors[0].extensions, { code: 'BAD_REQUEST' }, `${name}: ${JSON.stringify(answer.body)}`);
  }
  assert.equal(users.requests.length, 0);

  // A body of another media type, or none: HTTP 415 with an error saying what to send (Yoga: an empty body).
  for (const [name, headers, body] of [
    ['text/plain', { 'content-type': 'text/plain' }, '{"query": "{ me { name } }"}'],
    ['XML', { 'content-type': 'application/xml' }, '<query>{ me { name } }</query>'],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ['no body', {}, undefined],
  ]) {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
    const answer = await res.json();
    assert.equal(res.status, 415, name);
    assert.deepEqual(answer.errors.map((e) => e.extensions), [{ code: 'BAD_REQUEST' }], `${name}: ${JSON.stringify(answer)}`);
    assert.match(answer.errors[0].message, /application\/json/, name);
  }
  assert.equal(users.requests.length, 0);

  // In a GET's URL, `variables` and `extensions` that are not JSON (Yoga: HTTP 500).
  const params = (variables) => new URLSearchParams({ query: '{ me { name } }', variables }).toString();
  for (const variables of ['{"x": ', 'x']) {
    const res = await fetch(`${url}/graphql?${params(variables)}`, { headers: { accept: 'application/json' } });
    const answer = await res.json();
    assert.equal(res.status, 400, variables);
    assert.deepEqual(answer.errors.map((e) => e.extensions), [{ code: 'BAD_REQUEST' }], `${variables}: ${JSON.stringify(answer)}`);
  }

  // Over 2 MiB: refused before the subgraphs (which refuse 2.5 MB) see it; just under: answered.
  const big = (size) => JSON.stringify({ query: '{ me { name } }', variables: { x: 'x'.repeat(size) } });
  const tooLarge = await send(big(2 * 1024 * 1024));
  assert.equal(tooLarge.status, 413);
  assert.deepEqual(tooLarge.body.errors[0].extensions, { code: 'BAD_REQUEST' });
  assert.equal(users.requests.length, 0);
  assert.deepEqual((await send(big(2 * 1024 * 1024 - 100))).body, { data: { me: { name: 'Ada' } } });
  // JSON variables in a GET's URL are read as before.
  const get = await fetch(`${url}/graphql?${params('{}')}`, { headers: { accept: 'application/json' } });
  assert.deepEqual(await get.json(), { data: { me: { name: 'Ada' } } });
});

test('a POST that is not JSON is refused (HTTP 415), never executed: a browser sends a form or text without a CORS preflight', { timeout: 90_000 }, async (t) => {
  // Any website could make its visitors' browsers sign up or log in with such a request.
  const { inputs, url } = await startGateway(t, { withInputs: true });
  const post = async (type, body) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
    return { status: res.status, body: await res.json() };
  };
  const mutation = 'mutation { signUp(name: "mallory") }';
  for (const [type, body] of [
    ['application/x-www-form-urlencoded', new URLSearchParams({ query: mutation }).toString()],
    ['application/x-www-form-urlencoded;charset=UTF-8', new URLSearchParams({ query: '{ echo(value: 1) }' }).toString()],
    ['application/graphql', mutation],
    ['application/graphql; charset=utf-8', '{ echo(value: 1) }'],
    ['text/plain;charset=UTF-8', JSON.stringify({ query: mutation })],
    ['multipart/form-data; boundary=x', `--x\r\ncontent-disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: mutation })}\r\n--x--\r\n`],
  ]) {
    const answer = await post(type, body);
    assert.equal(answer.status, 415, type);
    assert.deepEqual(answer.body.errors.map((e) => e.extensions), [{ code: 'BAD_REQUEST' }], `${type}: ${JSON.stringify(answer.body)}`);
    assert.match(answer.body.errors[0].message, /application\/json/, type);
  }
  assert.equal(inputs.requests.length, 0);

  // JSON, with a charset or as application/graphql+json (Yoga's two JSON types; a browser sends
  // either only after a CORS preflight), is executed.
  // Media types are case-insensitive: 'Application/JSON' is JSON.
  for (const type of ['application/json', 'application/json; charset=utf-8', 'application/graphql+json', 'Application/JSON; charset=UTF-8']) {
    const answer = await post(type, JSON.stringify({ query: 'mutation { signUp(name: "ada") }' }));
    assert.deepEqual(answer, { status: 200, body: { data: { signUp: 'ada' } } }, type);
  }
  // A GET runs a query, never a mutation.
  const get = async (query) => {
    const res = await fetch(`${url}/graphql?${new URLSearchParams({ query })}`, { headers: { accept: 'application/json' } });
    return { status: res.status, body: await res.json() };
  };
  assert.deepEqual(await get('{ echo(value: 1) }'), { status: 200, body: { data: { echo: '1' } } });
  const refused = await get(mutation);
  assert.equal(refused.status, 405);
  assert.deepEqual(refused.body.errors.map((e) => e.extensions), [{ code: 'BAD_REQUEST' }], JSON.stringify(refused.body));
  assert.equal(inputs.requests.length, 5);
});

test('JSON nested deeper than 64 levels is BAD_REQUEST and a literal nested too deep GRAPHQL_VALIDATION_FAILED, never HTTP 500', { timeout: 90_000 }, async (t) => {
  // 100,000 deep overflowed the router's stack (its logger copies what it logs recursively), 1,000
  // deep the subgraphs' (Python's json), 50 deep in the document the query planner's parser.
  const { send, inputs, url, gateway } = await startGateway(t, { withInputs: true });
  const nested = (depth, leaf = '') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
  const withVariable = (depth) => `{"query": "query($v: Anything) { echo(value: $v) }", "variables": {"v": ${nested(depth)}}}`;
  for (const [name, body] of [
    ['100,000 deep', withVariable(100_000)],
    ['1,000 deep', withVariable(1_000)],
    ['65 deep, the body counted', withVariable(63)],
    ['objects', `{"query": "{ echo }", "variables": {"v": ${'{"a":'.repeat(100)}1${'}'.repeat(100)}}}`],
    ['extensions', `{"query": "{ echo }", "extensions": {"x": ${nested(1_000)}}}`],
  ]) {
    const answer = await send(body);
    assert.equal(answer.status, 400, `${name}: ${JSON.stringify(answer.body)}`);
    assert.deepEqual(answer.body.errors.map((e) => e.extensions), [{ code: 'BAD_REQUEST' }], name);
    assert.match(answer.body.errors[0].message, /64/, name);
  }
  // The same in a GET's URL.
  const res = await fetch(`${url}/graphql?${new URLSearchParams({ query: 'query($v: Anything) { echo(value: $v) }', variables: `{"v": ${nested(1_000)}}` })}`);
  assert.deepEqual([res.status, (await res.json()).errors.map((e) => e.extensions)], [400, [{ code: 'BAD_REQUEST' }]]);
  assert.equal(inputs.requests.length, 0);
  // 64 levels, the body's own included, are served.
  assert.deepEqual(await send(withVariable(62)), { status: 200, body: { data: { echo: JSON.stringify(JSON.parse(nested(62))) } } });

  // In the document, where a custom scalar is expected: graphql-js takes it, the query planner's
  // parser gave up at about 50 levels. Values may nest 32.
  for (const [name, query] of [
    ['a list', `{ echo(value: ${nested(50, '1')}) }`],
    ['objects', `{ echo(value: ${'{a: '.repeat(33)}1${'}'.repeat(33)}) }`],
    ['a variable\'s default', `query($v: Anything = ${nested(33, '1')}) { echo(value: $v) }`],
    ['a list of lists of Int', `{ echo(list: ${nested(200, '1')}) }`],
  ]) {
    const answer = await send(JSON.stringify({ query }), { accept: 'application/graphql-response+json' });
    assert.equal(answer.status, 400, `${name}: ${JSON.stringify(answer.body)}`);
    assert.deepEqual([...new Set(answer.body.errors.map((e) => e.extensions?.code))], ['GRAPHQL_VALIDATION_FAILED'], name);
  }
  assert.equal(inputs.requests.length, 1);
  const deepest = `{ echo(value: [${'{a: '.repeat(31)}1${'}'.repeat(31)}]) }`;
  assert.deepEqual((await send(JSON.stringify({ query: deepest }))).body.data, { echo: `[${'{"a":'.repeat(31)}1${'}'.repeat(31)}]` });
  assert.doesNotMatch(gateway.output.stdout + gateway.output.stderr, /RangeError|Maximum call stack/);
});

test('an operation nesting deeper than the query planner reads is GRAPHQL_VALIDATION_FAILED, not HTTP 500', { timeout: 90_000 }, async (t) => {
  // limits.max_depth may allow more nested selection sets than the planner's parser reads (about 50).
  const { send, users } = await startGateway(t, { maxDepth: 100 });
  const friends = (depth) => `{ me { ${'friends { '.repeat(depth)}id${' }'.repeat(depth)} } }`;
  const answer = await send(JSON.stringify({ query: friends(60) }));
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.deepEqual(answer.body.errors.map((e) => e.extensions), [{ code: 'GRAPHQL_VALIDATION_FAILED' }]);
  assert.match(answer.body.errors[0].message, /query planner cannot read this operation \(Recursion limit exceeded\)/);
  assert.equal(users.requests.length, 0);
  assert.deepEqual((await send(JSON.stringify({ query: friends(20) }))).status, 200);
});

test('errors graphql-js gives no code get the documented one', { timeout: 90_000 }, async (t) => {
  const { users, send } = await startGateway(t);
  const codeOf = async (query, variables) => {
    const { body } = await send(JSON.stringify({ query, variables }));
    return body.errors.map((e) => e.extensions?.code);
  };
  assert.deepEqual(await codeOf('query($x: Boolean!) { me { name @include(if: $x) } }', { x: 'one' }), ['BAD_USER_INPUT']);
  assert.deepEqual(await codeOf('query($x: Boolean!) { me { name @include(if: $x) } }', {}), ['BAD_USER_INPUT']);
  assert.deepEqual(await codeOf('{ me { friends { friends { friends { id } } } } }'), ['GRAPHQL_VALIDATION_FAILED']);
  assert.deepEqual(await codeOf('{ me { name }'), ['GRAPHQL_PARSE_FAILED']);
  assert.deepEqual(await codeOf('{ me { nope } }'), ['GRAPHQL_VALIDATION_FAILED']);
  // Operation types the supergraph has no root type for (graphql-js validated their fields against
  // nothing, and the query planner answered HTTP 500).
  assert.deepEqual(await codeOf('subscription { me { name } }'), ['GRAPHQL_VALIDATION_FAILED']);
  assert.deepEqual(await codeOf('mutation M { me { name } }'), ['GRAPHQL_VALIDATION_FAILED']);
  assert.equal(users.requests.length, 0);
});

test('an error in executing keeps data in the answer, null where it reached the root; a request error has none', { timeout: 90_000 }, async (t) => {
  const { send } = await startGateway(t, { withInputs: true });
  const refused = await send(JSON.stringify({ query: 'mutation { refused }' }));
  assert.equal(refused.status, 200);
  assert.deepEqual(Object.keys(refused.body), ['data', 'errors']);
  assert.equal(refused.body.data, null);
  assert.deepEqual(refused.body.errors.map((e) => [e.extensions.code, e.path]), [['FORBIDDEN', ['refused']]]);
  const partial = await send(JSON.stringify({ query: '{ me { name } echo(value: 1) }' }));
  assert.deepEqual(partial.body, { data: { me: { name: 'Ada' }, echo: '1' } });
  const invalid = await send(JSON.stringify({ query: 'mutation { refused nope }' }));
  assert.deepEqual(invalid.body.errors.map((e) => e.extensions.code), ['GRAPHQL_VALIDATION_FAILED']);
  assert.ok(!('data' in invalid.body), JSON.stringify(invalid.body));
});

test('a subgraph down: a query is told its fields are null, a mutation that it may have been carried out', { timeout: 90_000 }, async (t) => {
  const { send } = await startGateway(t, { withInputs: true, inputsDown: true });
  const read = await send(JSON.stringify({ query: '{ me { name } echo(value: 1) }' }));
  assert.deepEqual(read.body.data, { me: { name: 'Ada' }, echo: null });
  assert.deepEqual(read.body.errors.map((e) => [e.extensions.code, e.message]), [
    ['SUBREQUEST_HTTP_ERROR', 'The inputs subgraph is unavailable: its fields are null in this answer'],
  ]);
  const write = await send(JSON.stringify({ query: 'mutation SignUp($name: String!) { signUp(name: $name) }', variables: { name: 'Ada' } }));
  // The query planner's runtime gives no data for a mutation whose subgraph failed, not even where
  // the field may be null: the router's answer has `data: null` (useStableErrors).
  assert.equal(write.body.data, null);
  assert.deepEqual(write.body.errors.map((e) => [e.extensions.code, e.extensions.serviceName, e.path, e.message]), [
    [
      'SUBREQUEST_HTTP_ERROR',
      'inputs',
      ['signUp'],
      'The inputs subgraph is unavailable: whether this mutation was carried out is not known. Check, or send it again: createOrder and payOrder with the same idempotencyKey are carried out once',
    ],
  ]);
});

test("a subgraph refusing the router's signature is the deployment's fault: logged naming ROUTER_HMAC_SECRET, never FORBIDDEN", { timeout: 90_000 }, async (t) => {
  const subgraphHmacSecret = 'the-subgraphs-own-hmac-secret';
  const { send, gateway } = await startGateway(t, { withInputs: true, subgraphHmacSecret });
  const why = "it refuses the router's requests, a fault of this deployment, not of the request";
  const read = await send(JSON.stringify({ query: '{ me { name } echo(value: 1) }' }));
  assert.equal(read.status, 200); // as when a subgraph cannot be reached: a partial answer
  // Both subgraphs are called at once: their errors come in either order.
  assert.deepEqual(read.body.errors.map((e) => [e.extensions.code, e.extensions.serviceName, e.message]).sort(), [
    ['SUBREQUEST_HTTP_ERROR', 'inputs', `The inputs subgraph is unavailable (${why}): its fields are null in this answer`],
    ['SUBREQUEST_HTTP_ERROR', 'users', `The users subgraph is unavailable (${why}): its fields are null in this answer`],
  ]);
  // The subgraph refuses before any resolver runs: the mutation was not carried out.
  const write = await send(JSON.stringify({ query: 'mutation { signUp(name: "Ada") }' }));
  assert.deepEqual(write.body.errors.map((e) => [e.extensions.code, e.extensions.serviceName, e.path, e.message]), [
    ['SUBREQUEST_HTTP_ERROR', 'inputs', ['signUp'], `The inputs subgraph is unavailable (${why}): this mutation was not carried out`],
  ]);

  const logged = async () => {
    for (let waited = 0; ; waited += 100) {
      const lines = gateway.output.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
      const refusals = lines.filter((line) => line.code === 'ROUTER_SIGNATURE_INVALID');
      if (refusals.length >= 3 || waited > 3000) return refusals;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const refusals = await logged();
  assert.deepEqual(refusals.map((line) => [line.level, line.serviceName]).sort(), [['error', 'inputs'], ['error', 'inputs'], ['error', 'users']], gateway.output.stdout);
  for (const { msg, serviceName } of refusals) {
    assert.match(msg, new RegExp(`the router's ROUTER_HMAC_SECRET does not match the ${serviceName} subgraph's`));
  }
  // Neither secret is told, to the client or in the log.
  const everything = JSON.stringify([read, write]) + gateway.output.stdout + gateway.output.stderr;
  for (const secret of [TEST_HMAC_SECRET, subgraphHmacSecret]) assert.ok(!everything.includes(secret));
});

test('a call under a mutation refused for its signature, after the mutation went through: its outcome is not known', { timeout: 90_000 }, async (t) => {
  // As during a secret rotation: the instance that carried out the mutation had the router's
  // secret, the one asked next under it (payOrder { order { payments } }) did not.
  const inputsHmacSecret = (query) => (query.includes('_entities') ? 'another-instances-secret' : TEST_HMAC_SECRET);
  const { send, inputs } = await startGateway(t, { withInputs: true, inputsHmacSecret });
  const answer = await send(JSON.stringify({ query: 'mutation { befriend { id friends { name note } } }' }));
  assert.deepEqual(answer.body.data, { befriend: { id: 'u1', friends: [{ name: 'Grace', note: null }] } });
  assert.deepEqual(answer.body.errors.map((e) => [e.extensions.code, e.extensions.serviceName, e.message]), [
    [
      'SUBREQUEST_HTTP_ERROR',
      'inputs',
      "The inputs subgraph is unavailable (it refuses the router's requests, a fault of this deployment, not of the request): whether this mutation was carried out is not known. Check, or send it again: createOrder and payOrder with the same idempotencyKey are carried out once",
    ],
  ]);
  assert.equal(inputs.requests.length, 2); // the mutation, then the refused entities under it
});

test('an operationName that picks no operation is told which name failed, or that one is needed', { timeout: 90_000 }, async (t) => {
  const { send, url, users } = await startGateway(t);
  const twoOperations = 'query A { me { name } } query B { me { id } }';
  const cases = [
    [{ query: twoOperations }, 'Must provide operation name if query contains multiple operations: the document has A, B'],
    [{ query: twoOperations, operationName: 'C' }, 'Unknown operation named "C": the document has A, B'],
    [{ query: '{ me { name } }', operationName: 'A' }, 'Unknown operation named "A": the document has (anonymous)'],
    [{ query: '{ me { name } }', operationName: 'x'.repeat(5000) }, `Unknown operation named "${'x'.repeat(100)}": the document has (anonymous)`],
    [{ query: 'fragment F on Query { me { name } }' }, 'Must provide an operation.'],
  ];
  for (const [request, message] of cases) {
    const { status, body } = await send(JSON.stringify(request));
    assert.equal(status, 400);
    assert.deepEqual(body.errors.map((e) => [e.extensions.code, e.message]), [['OPERATION_RESOLUTION_FAILURE', message]]);
  }
  const viaGet = await fetch(`${url}/graphql?${new URLSearchParams({ query: twoOperations, operationName: 'C' })}`, { headers: { accept: 'application/json' } });
  assert.equal(viaGet.status, 400);
  assert.deepEqual((await viaGet.json()).errors.map((e) => e.message), ['Unknown operation named "C": the document has A, B']);
  assert.equal(users.requests.length, 0);
});

test('an Authorization header that is not a bearer token is UNAUTHENTICATED; the scheme is read in any case', { timeout: 90_000 }, async (t) => {
  const { users, post, send, jwks } = await startGateway(t);
  const token = jwks.sign({ iss: 'django-supergraph-users', aud: 'django-supergraph', sub: '1' });
  for (const header of ['Basic YWRhOnNlY3JldA==', 'Bearer', 'Bearer    ', token, `Token ${token}`]) {
    const res = await post('{"query": "{ me { name } }"}', { authorization: header });
    const body = await res.json();
    assert.equal(res.status, 401, header);
    assert.deepEqual(body.errors.map((e) => e.extensions), [{ code: 'UNAUTHENTICATED' }], `${header}: ${JSON.stringify(body)}`);
    // RFC 6750 §3.1: no bearer token was sent, so the challenge names the scheme and no error.
    assert.equal(res.headers.get('www-authenticate'), 'Bearer', header);
  }
  assert.equal(users.requests.length, 0);
  // As the subgraphs read it (federation_kit.tokens): the header goes to them as it came.
  for (const scheme of ['bearer', 'BEARER']) {
    const { status, body } = await send('{"query": "{ me { name } }"}', { authorization: `${scheme} ${token}` });
    assert.deepEqual([status, body], [200, { data: { me: { name: 'Ada' } } }], scheme);
    assert.equal(users.requests.at(-1).headers.authorization, `${scheme} ${token}`);
  }
});

const CLAIMS = { iss: 'django-supergraph-users', aud: 'django-supergraph', sub: '1' };
const ME = '{"query": "{ me { name } }"}';
const ADA = { status: 200, body: { data: { me: { name: 'Ada' } } } };
// A little over the router's 5 s cooldown between two fetches of the JWKS.
const COOLDOWN_WAIT_MS = 5_500;

test('a bad token is UNAUTHENTICATED: another key, no key id, claims missing, expired since it was last verified', { timeout: 90_000 }, async (t) => {
  const { users, post, send, jwks } = await startGateway(t);
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const now = Math.floor(Date.now() / 1000);
  const bad = {
    'a key id the JWKS lacks': signToken(stranger, 'not-published', CLAIMS),
    'the JWKS key id, another key': signToken(stranger, 'test-key', CLAIMS),
    'no key id': signToken(stranger, undefined, CLAIMS),
    'a payload that is not JSON': `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'test-key' }))}.${base64url('not json')}.AAAA`,
    'no sub': jwks.sign({ iss: CLAIMS.iss, aud: CLAIMS.aud }),
    'a sub that is no user id': jwks.sign({ ...CLAIMS, sub: 'abc' }),
    'a sub with a sign': jwks.sign({ ...CLAIMS, sub: '+1' }),
    'a sub of 19 digits': jwks.sign({ ...CLAIMS, sub: '9'.repeat(19) }),
    'a staff claim that is a string': jwks.sign({ ...CLAIMS, staff: 'false' }),
    'issued in the future': jwks.sign({ ...CLAIMS, iat: now + 600 }),
    'expired (beyond the 5 s clock leeway)': jwks.sign({ ...CLAIMS, iat: now - 120, exp: now - 6 }),
  };
  for (const [name, token] of Object.entries(bad)) {
    const res = await post(ME, { authorization: `Bearer ${token}` });
    const body = await res.json();
    assert.equal(res.status, 401, `${name}: ${JSON.stringify(body)}`);
    assert.deepEqual(body.errors.map((e) => e.extensions), [{ code: 'UNAUTHENTICATED' }], name);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer error="invalid_token"', name);
  }
  assert.equal(users.requests.length, 0);

  // Made-up key ids make the router fetch the JWKS again (a key may be new), once per cooldown at
  // most, and never keep a genuine token out.
  const before = jwks.fetches();
  for (let i = 0; i < 30; i += 1) {
    assert.equal((await send(ME, { authorization: `Bearer ${signToken(stranger, `forged-${i}`, CLAIMS)}` })).status, 401);
  }
  assert.ok(jwks.fetches() - before <= 1, `${jwks.fetches() - before} JWKS fetches for 30 forged key ids`);

  // A clock a little behind the users service's takes a token issued a moment "later".
  assert.deepEqual(await send(ME, { authorization: `Bearer ${jwks.sign({ ...CLAIMS, iat: now + 3 })}` }), ADA);

  // A verified token is kept, but not past its expiry (and the clock leeway).
  const shortLived = jwks.sign({ ...CLAIMS, exp: Math.floor(Date.now() / 1000) + 1 });
  assert.deepEqual(await send(ME, { authorization: `Bearer ${shortLived}` }), ADA);
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  const late = await post(ME, { authorization: `Bearer ${shortLived}` });
  assert.equal(late.status, 401, JSON.stringify(await late.json()));
  assert.equal(late.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  assert.equal(users.requests.length, 2);
  // The subgraph gets the request's Authorization header and checks the token itself; the router
  // adds nothing of the token's claims to the request.
  assert.equal(users.requests[1].headers.authorization, `Bearer ${shortLived}`);
  assert.equal(JSON.parse(users.requests[1].body).extensions, undefined);
});

test('while the JWKS cannot be fetched: DEPENDENCY_UNAVAILABLE, one fetch per cooldown, anonymous requests pass', { timeout: 90_000 }, async (t) => {
  const { users, send, jwks } = await startGateway(t);
  const token = jwks.sign(CLAIMS);
  jwks.answerWith(500);
  for (let i = 0; i < 20; i += 1) {
    const { status, body } = await send(ME, { authorization: `Bearer ${token}` });
    assert.equal(status, 503, JSON.stringify(body));
    assert.deepEqual(body.errors.map((e) => e.extensions), [{ code: 'DEPENDENCY_UNAVAILABLE' }]);
  }
  assert.equal(jwks.fetches(), 1);
  assert.equal(users.requests.length, 0);
  assert.deepEqual(await send(ME), ADA);
  // Back after the cooldown (5 s).
  jwks.answerWith(null);
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_WAIT_MS));
  assert.deepEqual(await send(ME, { authorization: `Bearer ${token}` }), ADA);
});

test('a key rotated in is fetched once, for requests at once; a JWKS without usable keys keeps the keys in hand', { timeout: 90_000 }, async (t) => {
  const { send, jwks } = await startGateway(t);
  assert.deepEqual(await send(ME, { authorization: `Bearer ${jwks.sign(CLAIMS)}` }), ADA);
  assert.equal(jwks.fetches(), 1);

  // An answer with no RS256 public key is a failed fetch, not "no key is valid any more".
  jwks.answerWith(200, JSON.stringify({ keys: [{ kty: 'EC', kid: 'ec' }] }));
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_WAIT_MS));
  const unknown = await send(ME, { authorization: `Bearer ${jwks.sign(CLAIMS).replace(/^[^.]+/, base64url(JSON.stringify({ alg: 'RS256', kid: 'new' })))}` });
  assert.deepEqual([unknown.status, unknown.body.errors.map((e) => e.extensions)], [503, [{ code: 'DEPENDENCY_UNAVAILABLE' }]]);
  assert.equal(jwks.fetches(), 2);
  assert.deepEqual(await send(ME, { authorization: `Bearer ${jwks.sign({ ...CLAIMS, sub: '2' })}` }), ADA);

  jwks.answerWith(null);
  const signWithNewKey = jwks.rotate();
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_WAIT_MS));
  const answers = await Promise.all([1, 2, 3].map((sub) => send(ME, { authorization: `Bearer ${signWithNewKey({ ...CLAIMS, sub: String(sub) })}` })));
  assert.deepEqual(answers, [ADA, ADA, ADA]);
  assert.equal(jwks.fetches(), 3);
});

test('GraphQL over WebSocket is not served: the supergraph has no subscriptions', { timeout: 90_000 }, async (t) => {
  // Served, it would skip the checks of an HTTP request: a forged token's query reached the subgraph.
  const { url } = await startGateway(t);
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const outcome = await new Promise((resolve) => {
    socket.onopen = () => resolve('open');
    socket.onerror = () => resolve('refused');
  });
  socket.close();
  assert.equal(outcome, 'refused');
});
