// The check's result as text for a terminal and as Markdown that CI can post on a pull request.
//
// context: { base: { ref, commit }, files: { [scope]: path shown for it }, acceptedFile }
import { PLACEHOLDER_REASON } from './acknowledgements.mjs';
import { LEVELS } from './classify.mjs';
import { APOLLO, GUILD } from './composers.mjs';

export function renderTerminal(result, { base, files, acceptedFile }) {
  const out = [`Schema check: working tree against ${base.ref} (${base.commit.slice(0, 7)})`, ''];
  for (const scope of result.scopes) {
    out.push(`${scope.name} (${files[scope.name]}): ${scopeSummary(scope)}`);
    for (const c of scope.changes) {
      out.push(`  ${c.level.padEnd(10)} ${c.path} (${c.type}): ${c.message}`);
      if (c.level !== 'SAFE' && c.reason) out.push(`${' '.repeat(13)}why: ${firstSentence(c.reason)}`);
      if (c.accepted) out.push(`${' '.repeat(13)}accepted at ${acceptedFile}:${c.accepted.line}${c.accepted.reason ? `: ${c.accepted.reason}` : ''}`);
    }
  }
  out.push('', 'Composition', ...compositionLines(result.composition).map((l) => `  ${l}`));
  const ackLines = acknowledgementLines(result, acceptedFile);
  if (ackLines.length) out.push('', `Acknowledgements (${acceptedFile})`, ...ackLines.map((l) => `  ${l}`));
  out.push('', verdict(result));
  const entries = suggestedEntries(result.unacceptedBreaking);
  if (entries.length) {
    out.push(`If deliberate, add to the "## Accepted changes" section of ${acceptedFile}:`, ...entries.map((e) => `  ${e}`));
  }
  return `${out.join('\n')}\n`;
}

export function renderMarkdown(result, { base, files, acceptedFile }) {
  const out = [
    `## Schema check: ${result.passed ? 'passed' : 'FAILED'}`,
    '',
    `Working tree compared with \`${base.ref}\` (\`${base.commit.slice(0, 7)}\`). ${verdict(result)}`,
    '',
    '| schema | file | changes |',
    '| --- | --- | --- |',
    ...result.scopes.map((s) => `| ${s.name} | \`${files[s.name]}\` | ${scopeSummary(s)} |`),
    '',
    '### Composition',
    '',
    ...compositionLines(result.composition).map((l) => `- ${cell(l)}`),
  ];
  for (const scope of result.scopes.filter((s) => s.changes.length)) {
    const notSafe = scope.changes.filter((c) => c.level !== 'SAFE');
    const safe = scope.changes.filter((c) => c.level === 'SAFE');
    out.push('', `### ${scope.name}`, '');
    if (notSafe.length) out.push(...changeTable(notSafe, acceptedFile), '');
    if (safe.length) {
      out.push(`<details><summary>${safe.length} safe change(s)</summary>`, '', ...changeTable(safe, acceptedFile), '', '</details>');
    }
  }
  const ackLines = acknowledgementLines(result, acceptedFile);
  if (ackLines.length) out.push('', '### Acknowledgements', '', ...ackLines.map((l) => `- ${cell(l)}`));
  const entries = suggestedEntries(result.unacceptedBreaking);
  if (entries.length) {
    out.push('', `### To accept a deliberate break`, '', `Add to the "## Accepted changes" section of \`${acceptedFile}\`:`, '', '```', ...entries, '```');
  }
  return `${out.join('\n')}\n`;
}

function scopeSummary(scope) {
  if (scope.status === 'new') return 'no base version: all new (safe)';
  if (scope.status === 'not composed') return 'not compared: composition failed';
  if (!scope.changes.length) return 'no changes';
  return LEVELS.map((level) => {
    const changes = scope.changes.filter((c) => c.level === level);
    const accepted = changes.filter((c) => c.accepted).length;
    return changes.length ? `${changes.length} ${level.toLowerCase()}${accepted ? ` (${accepted} accepted)` : ''}` : null;
  })
    .filter(Boolean)
    .join(', ');
}

function changeTable(changes, acceptedFile) {
  return [
    '| level | path | change | message | reason |',
    '| --- | --- | --- | --- | --- |',
    ...changes.map((c) => {
      const accepted = c.accepted ? `<br>accepted (${acceptedFile}:${c.accepted.line})${c.accepted.reason ? `: ${cell(c.accepted.reason)}` : ''}` : '';
      return `| **${c.level}**${accepted} | \`${c.path}\` | \`${c.type}\` | ${cell(c.message)} | ${cell(c.reason ?? '')} |`;
    }),
  ];
}

function compositionLines({ guild, apollo, disagreements }) {
  const composer = (name, { errors }) =>
    errors.length
      ? [`${name}: failed`, ...errors.map((e) => `  ${e.code}${e.subgraphs.length ? ` (${e.subgraphs.join(', ')})` : ''}: ${e.message}`)]
      : [`${name}: composed`];
  const agreement = disagreements.length
    ? disagreements.map((d) => `DISAGREEMENT: ${d}`)
    : guild.errors.length
      ? ['Both composers reject the subgraphs, with the same error codes.']
      : ['Both composers agree: the same API schema, and Apollo loads supergraph.graphql and can plan every field.'];
  return [
    ...composer(GUILD, guild),
    ...composer(APOLLO, apollo),
    ...apollo.hints.map((h) => `  hint ${h.code}: ${h.message}`),
    ...agreement,
  ];
}

function acknowledgementLines({ problems, stale }, acceptedFile) {
  return [
    ...problems.map((p) => `ERROR ${acceptedFile}:${p.line}: ${p.message}`),
    ...stale.map(
      ({ entry, scope }) =>
        `stale ${acceptedFile}:${entry.line}: ${scope} has no ${entry.type} ${entry.path} (remove the entry once the change is on the base branch)`,
    ),
  ];
}

function verdict({ passed, scopes, composition, problems, unacceptedBreaking }) {
  const all = scopes.flatMap((s) => s.changes);
  const counts = LEVELS.map((level) => `${all.filter((c) => c.level === level).length} ${level.toLowerCase()}`).join(', ');
  if (passed) return `PASSED: ${counts}${all.some((c) => c.level === 'BREAKING') ? '; every breaking change is acknowledged' : ''}.`;
  const reasons = [
    unacceptedBreaking.length && `${unacceptedBreaking.length} breaking change(s) not acknowledged`,
    (composition.guild.errors.length || composition.apollo.errors.length) && 'composition failed',
    composition.disagreements.length && `${composition.disagreements.length} disagreement(s) between the composers`,
    problems.length && `${problems.length} invalid acknowledgement(s)`,
  ].filter(Boolean);
  return `FAILED: ${reasons.join('; ')} (${counts}).`;
}

/** The entry that would accept each unacknowledged breaking change, one per change across schemas. */
function suggestedEntries(unacceptedBreaking) {
  const scopesByChange = new Map();
  for (const c of unacceptedBreaking) {
    const key = `${c.type} ${c.path}`;
    scopesByChange.set(key, [...(scopesByChange.get(key) ?? []), c.scope]);
  }
  return [...scopesByChange].map(([change, scopes]) => `- ${[...new Set(scopes)].join(', ')} ${change}: ${PLACEHOLDER_REASON}`);
}

const firstSentence = (text) => /^.*?[.!?](?=\s|$)/.exec(text)?.[0] ?? text;

// A Markdown table cell or list item on one line; a pipe would end the cell.
const cell = (text) => String(text).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
