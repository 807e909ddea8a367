// `make schema-check`'s command end to end, in a throwaway git repository laid out like this one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GOVERNANCE_FIXTURES } from './governance-helpers.mjs';
import { compose, SUPERGRAPH_DIR, tempDir, writeSupergraphYaml } from './helpers.mjs';

const CLI = join(SUPERGRAPH_DIR, 'governance', 'cli.mjs');
const GIT_IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false'];

function git(dir, ...args) {
  const run = spawnSync('git', [...GIT_IDENTITY, ...args], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

/** A repo on branch main: schema/{users,orders}.graphql, supergraph/ composed from them, committed. */
function repo(t) {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'schema'));
  mkdirSync(join(dir, 'supergraph'));
  const subgraphs = {};
  for (const name of ['users', 'orders']) {
    copyFileSync(join(GOVERNANCE_FIXTURES, 'base', `${name}.graphql`), join(dir, 'schema', `${name}.graphql`));
    subgraphs[name] = { url: `http://127.0.0.1:9/${name}`, file: `../schema/${name}.graphql` };
  }
  const config = writeSupergraphYaml(join(dir, 'supergraph'), subgraphs);
  assert.equal(compose('--config', config).status, 0);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'base');
  return { dir, config };
}

function check(dir, config, ...args) {
  const run = spawnSync(process.execPath, [CLI, '--config', config, '--accepted', join(dir, 'schema', 'ACCEPTED_CHANGES.md'), '--report', join(dir, 'report.md'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ...run, report: readFileSync(join(dir, 'report.md'), 'utf8') };
}

const editSchema = (dir, name, edit) => {
  const file = join(dir, 'schema', `${name}.graphql`);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
};

test('main against main passes, and says so in both reports', (t) => {
  const { dir, config } = repo(t);
  const run = check(dir, config);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^Schema check: working tree against main \([0-9a-f]{7}\)$/m);
  assert.match(run.stdout, /^orders \(schema\/orders\.graphql\): no changes$/m);
  assert.match(run.stdout, /^api \(supergraph\/api-schema\.graphql\): no changes$/m);
  assert.match(run.stdout, /Both composers agree/);
  assert.match(run.stdout, /^PASSED: 0 breaking, 0 dangerous, 0 safe\.$/m);
  assert.match(run.report, /^## Schema check: passed$/m);
});

test('an unacknowledged break fails, naming schema, path, change and reason, until it is accepted', (t) => {
  const { dir, config } = repo(t);
  editSchema(dir, 'orders', (sdl) => sdl.replace('  total: Int!\n', '').replace('  PLACED\n', '  PLACED\n  PAID\n'));

  const run = check(dir, config);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /^orders \(schema\/orders\.graphql\): 1 breaking, 1 dangerous$/m);
  assert.match(run.stdout, /^ {2}BREAKING {3}Order\.total \(FIELD_REMOVED\): Field 'total' was removed from object type 'Order'$/m);
  assert.match(run.stdout, /^ {13}why: Removing a field is a breaking change\.$/m);
  assert.match(run.stdout, /^ {2}DANGEROUS  OrderStatus\.PAID \(ENUM_VALUE_ADDED\)/m);
  assert.match(run.stdout, /^FAILED: 3 breaking change\(s\) not acknowledged \(3 breaking, 3 dangerous, 0 safe\)\.$/m);
  const suggestion = '- orders, supergraph, api FIELD_REMOVED Order.total: <why this break is acceptable>';
  assert.ok(run.stdout.includes(`  ${suggestion}\n`), run.stdout);
  assert.match(run.report, /^## Schema check: FAILED$/m);
  assert.match(run.report, /^\| \*\*BREAKING\*\* \| `Order\.total` \| `FIELD_REMOVED` \| Field 'total' was removed from object type 'Order' \| Removing a field/m);
  assert.ok(run.report.includes(suggestion));

  writeFileSync(join(dir, 'schema', 'ACCEPTED_CHANGES.md'), `## Accepted changes\n\n${suggestion.replace('<why this break is acceptable>', 'nobody reads it')}\n`);
  const accepted = check(dir, config);
  assert.equal(accepted.status, 0, accepted.stdout);
  assert.match(accepted.stdout, /^ {13}accepted at schema\/ACCEPTED_CHANGES\.md:3: nobody reads it$/m);
  assert.match(accepted.stdout, /^PASSED: 3 breaking, 3 dangerous, 0 safe; every breaking change is acknowledged\.$/m);
});

test('--base picks the commit to compare with; files the base lacks count as new', (t) => {
  const { dir, config } = repo(t);
  editSchema(dir, 'users', (sdl) => sdl.replace('  name: String!\n', '  name: String!\n  email: String\n'));
  git(dir, 'rm', '--quiet', 'supergraph/api-schema.graphql');
  git(dir, 'commit', '--quiet', '-am', 'add User.email, drop the API schema');
  assert.equal(compose('--config', config).status, 0);

  const againstMain = check(dir, config);
  assert.equal(againstMain.status, 0, againstMain.stdout);
  assert.match(againstMain.stdout, /^api \(supergraph\/api-schema\.graphql\): no base version: all new \(safe\)$/m);

  const againstParent = check(dir, config, '--base', 'HEAD~1');
  assert.equal(againstParent.status, 0, againstParent.stdout);
  assert.match(againstParent.stdout, /^users \(schema\/users\.graphql\): 1 safe$/m);
  assert.match(againstParent.stdout, /^ {2}SAFE {7}User\.email \(FIELD_ADDED\)/m);
});

test('an unknown base or an invalid acknowledgement stops the check', (t) => {
  const { dir, config } = repo(t);
  const unknown = spawnSync(process.execPath, [CLI, '--config', config, '--base', 'no-such-branch'], { cwd: dir, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^schema-check: base "no-such-branch" names no commit in .*: fetch it, or pass BASE=<git ref>/);

  writeFileSync(join(dir, 'schema', 'ACCEPTED_CHANGES.md'), '## Accepted changes\n\n- orders FIELD_REMOVED\n- orders FIELD_REMOVED Order.gone: stale\n');
  const invalid = check(dir, config);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stdout, /^ {2}ERROR schema\/ACCEPTED_CHANGES\.md:3: not an entry/m);
  assert.match(invalid.stdout, /^ {2}stale schema\/ACCEPTED_CHANGES\.md:4: orders has no FIELD_REMOVED Order\.gone/m);
  assert.match(invalid.stdout, /^FAILED: 1 invalid acknowledgement\(s\)/m);
});
