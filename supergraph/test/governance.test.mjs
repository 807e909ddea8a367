// Each fixture case (test/fixtures/governance/<case>/) against the shared base: every change with its
// classification, both composers' verdicts, acknowledgements and whether the check passes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFixture, describeChange, fixtureCases, readExpected } from './governance-helpers.mjs';

const codes = (errors) => [...new Set(errors.map((e) => e.code))].sort();

for (const name of fixtureCases()) {
  const expected = readExpected(name);

  test(`${name}: ${expected.about}`, async () => {
    const result = await checkFixture(name);
    const changes = result.scopes.flatMap((s) => s.changes.map((c) => describeChange(s.name, c)));
    assert.deepEqual(changes.sort(), [...expected.changes].sort());
    assert.deepEqual(
      { guild: codes(result.composition.guild.errors), apollo: codes(result.composition.apollo.errors), disagreement: result.composition.disagreements.length > 0 },
      expected.composition,
    );
    if (expected.accepted) {
      const accepted = result.scopes.flatMap((s) => s.changes.filter((c) => c.accepted).map((c) => describeChange(s.name, c)));
      assert.deepEqual(accepted.sort(), [...expected.accepted].sort());
    }
    assert.deepEqual(result.stale.map((s) => `${s.scope} ${s.entry.type} ${s.entry.path}`), expected.stale ?? []);
    assert.equal(result.passed, expected.passed);
  });
}

test('every kind of change the issue names has a fixture', () => {
  const cases = fixtureCases();
  for (const kind of ['field-removed', 'field-type-changed', 'argument-added-required', 'argument-added-optional', 'enum-value-added', 'enum-value-removed', 'entity-key-changed', 'shareable-conflict']) {
    assert.ok(cases.includes(kind), `missing fixture ${kind}`);
  }
});

test('a breaking change carries a reason, and composition errors name their subgraphs', async () => {
  const removed = await checkFixture('field-removed');
  for (const scope of removed.scopes) {
    for (const c of scope.changes.filter((c) => c.level === 'BREAKING')) assert.ok(c.reason, `${scope.name} ${c.path} has a reason`);
  }
  const conflict = await checkFixture('shareable-conflict');
  assert.deepEqual(conflict.composition.guild.errors.map((e) => e.subgraphs), [['orders', 'users']]);
  assert.deepEqual(conflict.composition.apollo.errors.map((e) => e.subgraphs), [['orders', 'users']]);
  assert.deepEqual(conflict.scopes.filter((s) => s.status === 'not composed').map((s) => s.name), ['supergraph', 'api']);
});
