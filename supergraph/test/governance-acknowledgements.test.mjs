import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAcknowledgements, parseAcknowledgements } from '../governance/acknowledgements.mjs';

const FILE = `# Accepted changes

- a bullet outside the section is prose, not an entry

## Accepted changes

\`\`\`
- orders FIELD_REMOVED Inside.aFence: an example, not an entry
\`\`\`

- orders, supergraph,api FIELD_REMOVED Order.total: replaced by Order.amount
* \`users\` \`ENTITY_KEY_REMOVED\` \`User.@key\`
- orders FIELD_REMOVED
- payments FIELD_REMOVED Payment.method: <why this break is acceptable>

## Notes

- prose again
`;

test('entries are the bullets of the "Accepted changes" section, outside code fences', () => {
  const { entries, problems } = parseAcknowledgements(FILE);
  assert.deepEqual(entries, [
    { scopes: ['orders', 'supergraph', 'api'], type: 'FIELD_REMOVED', path: 'Order.total', reason: 'replaced by Order.amount', line: 11 },
    { scopes: ['users'], type: 'ENTITY_KEY_REMOVED', path: 'User.@key', reason: null, line: 12 },
    { scopes: ['payments'], type: 'FIELD_REMOVED', path: 'Payment.method', reason: '<why this break is acceptable>', line: 14 },
  ]);
  assert.deepEqual(problems, [
    { line: 13, message: 'not an entry: expected "- <schemas> <CHANGE_TYPE> <path>: <why>"' },
    { line: 14, message: 'replace <why this break is acceptable> with the reason, or drop it' },
  ]);
});

test('a file without the section is a problem, not an empty list', () => {
  assert.deepEqual(parseAcknowledgements('# Accepted\n\n- orders FIELD_REMOVED Order.total\n').problems, [
    { line: 1, message: 'no "## Accepted changes" section' },
  ]);
});

test('entries mark the changes they name; unknown names are problems and unmatched ones stale', () => {
  const scopes = [
    { name: 'orders', changes: [{ level: 'BREAKING', type: 'FIELD_REMOVED', path: 'Order.total' }] },
    { name: 'api', changes: [] },
  ];
  const { entries } = parseAcknowledgements(
    '## Accepted changes\n- orders, api FIELD_REMOVED Order.total\n- ordres FIELD_REMOVED Order.total\n- orders FIELD_REMOVD Order.total\n',
  );
  const result = applyAcknowledgements(scopes, { entries, problems: [] });
  assert.equal(result.scopes[0].changes[0].accepted.line, 2);
  assert.equal(scopes[0].changes[0].accepted, undefined, 'the input is left as it was');
  assert.deepEqual(result.problems, [
    { line: 3, message: 'unknown schema ordres (known: orders, api)' },
    { line: 4, message: 'unknown change type FIELD_REMOVD' },
  ]);
  assert.deepEqual(
    result.stale.map(({ entry, scope }) => `${entry.line} ${scope}`),
    ['2 api', '4 orders'],
  );
});
