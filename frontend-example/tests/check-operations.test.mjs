// `make check-frontend-operations`: a subgraph change that breaks an operation of the app
// fails, naming the operation and the field; so does an operation the router would refuse as over
// one of its limits, naming the limit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCodegenConfig } from '@graphql-codegen/cli';
import { operationFiles } from '../scripts/operation-files.mjs';

const FRONTEND_DIR = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../scripts/check-operations.mjs', import.meta.url));
const SUPERGRAPH = fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url));
const ROUTER_CONFIG = fileURLToPath(new URL('../../router-config.yaml', import.meta.url));

const check = (...args) => promisify(execFile)(process.execPath, [SCRIPT, ...args]);
const failure = (...args) =>
  check(...args).then(
    () => assert.fail('the check passed'),
    (error) => error,
  );

const escaped = (path) => path.replace(/[.\\]/g, '\\$&'); // for a RegExp

/** A folder of operation files, { 'sub/x.graphql': text }, for --operations. */
function operationsFolder(files) {
  const dir = mkdtempSync(join(tmpdir(), 'operations-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('`npm run check-operations` checks the operations against the supergraph and the router\'s limits', async () => {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const { stdout } = await promisify(execFile)('sh', ['-c', scripts['check-operations']], { cwd: FRONTEND_DIR });
  assert.match(stdout, /^(\d+) frontend operations fit supergraph\/supergraph\.graphql\n\1 operations within the router's limits in router-config\.yaml \(max_depth \d+, max_tokens \d+, max_cost \d+\)\n$/);
  // Without --router-config (`npm run codegen`), it says what it left out.
  assert.match((await check()).stdout, /^\d+ frontend operations fit supergraph\/supergraph\.graphql \(the router's limits are checked by `make check-frontend-operations`\)$/m);
});

test('codegen generates types for the files the check checks, in subfolders of src/graphql too', async () => {
  const { config } = await loadCodegenConfig({ configFilePath: join(FRONTEND_DIR, 'codegen.ts') }); // as graphql-codegen does
  assert.deepEqual(config.documents.map((path) => resolve(path)), operationFiles());

  const dir = operationsFolder({ 'a.graphql': 'query A { me { id } }\n', 'sub/b.graphql': 'query B { me { nickname } }\n' });
  assert.deepEqual(operationFiles(dir), [join(dir, 'a.graphql'), join(dir, 'sub', 'b.graphql')]);
  const { stderr } = await failure('--operations', dir);
  assert.match(stderr, new RegExp(`${escaped(join(dir, 'sub', 'b.graphql'))}:1:16: query B: Cannot query field "nickname" on type "User"`));
});

test('a syntax error is named with its file, line and column', async () => {
  const dir = operationsFolder({ 'a.graphql': 'query A { me { id } }\n', 'wrong.graphql': 'query Wrong {\n  me {\n' });
  const { code, stderr } = await failure('--operations', dir);
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`^  - ${escaped(join(dir, 'wrong.graphql'))}:3:1: Syntax Error: Expected Name, found <EOF>\\.$`, 'm'));
});

test('a name given twice names both operations; an anonymous operation is told to have a name', async () => {
  const dir = operationsFolder({
    'order.graphql': 'query OrderPage { me { id } }\n',
    'sub/copy.graphql': '# copied\nquery OrderPage { me { username } }\n',
    'anonymous.graphql': '\n{ me { id } }\n',
  });
  const { stderr } = await failure('--operations', dir);
  const at = (name) => escaped(join(dir, name));
  assert.match(stderr, new RegExp(`^  - ${at('order.graphql')}:1:7: query OrderPage: There can be only one operation named "OrderPage"\\. \\(also ${at('sub/copy.graphql')}:2:7: query OrderPage\\)$`, 'm'));
  assert.match(stderr, new RegExp(`^  - ${at('anonymous.graphql')}:2:1: query \\(anonymous\\): Every operation must be named: codegen names its types and document after it$`, 'm'));
  assert.doesNotMatch(stderr, /must be the only defined operation/);
});

test('an operation over a limit of router-config.yaml fails, naming it and the limit', async () => {
  const orders = (depth) => (depth === 1 ? 'id' : `orders { user { ${orders(depth - 2)} } }`); // 2 levels a step
  const ids = Array.from({ length: 160 }, (_, i) => `o${i}: orders { id }`).join(' '); // 964 tokens as written
  const dir = operationsFolder({
    'deep.graphql': `query Deep { ${orders(13)} }\n`,
    'logins.graphql': 'mutation TwoLogins {\n  a: login(username: "a", password: "b") { token }\n  b: login(username: "a", password: "b") { token }\n}\n',
    'sub/long.graphql': `query Long { ${ids} }\n`,
  });
  const { stdout, stderr } = await failure('--operations', dir, '--router-config', ROUTER_CONFIG);
  assert.match(stdout, /^3 frontend operations fit supergraph\/supergraph\.graphql$/m);
  const at = (name) => escaped(join(dir, name));
  assert.match(stderr, new RegExp(`${at('deep.graphql')}:1:1: query Deep: over limits\\.max_depth \\(router-config\\.yaml\\): Query depth limit of 12 exceeded, found 13\\.`));
  assert.match(stderr, new RegExp(`${at('logins.graphql')}:1:1: mutation TwoLogins: over limits\\.max_cost \\(router-config\\.yaml\\): The operation's estimated cost, 30002, is over the router's limit of 25000`));
  // urql's document cache sends a __typename in each of the 160 selection sets too: 1,124 tokens.
  assert.match(stderr, new RegExp(`${at('sub/long.graphql')}:1:1: query Long: over limits\\.max_tokens \\(router-config\\.yaml\\): Token limit of 1000 exceeded\\. The document has 1124 tokens\\.`));
});

test('a field gone from the supergraph fails the check, naming each operation that uses it', async () => {
  const supergraph = readFileSync(SUPERGRAPH, 'utf8');
  const withoutPaymentStatus = supergraph.replace(/^\s*paymentStatus: PaymentStatus\b.*\n/m, '');
  assert.notEqual(withoutPaymentStatus, supergraph, 'the supergraph has Order.paymentStatus to remove');
  const path = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  writeFileSync(path, withoutPaymentStatus);

  const { code, stderr } = await failure('--supergraph', path);
  assert.equal(code, 1);
  for (const operation of ['query OrdersPage', 'query OrderPage', 'mutation PayOrder']) {
    assert.match(stderr, new RegExp(`frontend-example/src/graphql/\\S+\\.graphql:\\d+:\\d+: ${operation}: Cannot query field "paymentStatus" on type "Order"`));
  }
});
