// `make check-frontend-operations`: a subgraph change that breaks an operation of the app
// fails, naming the operation and the field.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../scripts/check-operations.mjs', import.meta.url));
const SUPERGRAPH = fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url));

const check = (...args) => promisify(execFile)(process.execPath, [SCRIPT, ...args]);

test('the operations fit the composed supergraph', async () => {
  const { stdout } = await check();
  assert.match(stdout, /^\d+ frontend operations fit supergraph\/supergraph\.graphql$/m);
});

test('a field gone from the supergraph fails the check, naming each operation that uses it', async () => {
  const supergraph = readFileSync(SUPERGRAPH, 'utf8');
  const withoutPaymentStatus = supergraph.replace(/^\s*paymentStatus: PaymentStatus\b.*\n/m, '');
  assert.notEqual(withoutPaymentStatus, supergraph, 'the supergraph has Order.paymentStatus to remove');
  const path = join(mkdtempSync(join(tmpdir(), 'supergraph-')), 'supergraph.graphql');
  writeFileSync(path, withoutPaymentStatus);

  const failure = await check('--supergraph', path).then(
    () => assert.fail('the check passed'),
    (error) => error,
  );
  assert.equal(failure.code, 1);
  for (const operation of ['query OrdersPage', 'query OrderPage', 'mutation PayOrder']) {
    assert.match(failure.stderr, new RegExp(`frontend-example/src/graphql/\\S+\\.graphql:\\d+:\\d+: ${operation}: Cannot query field "paymentStatus" on type "Order"`));
  }
});
