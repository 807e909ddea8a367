// Acknowledged changes, from the "## Accepted changes" section of schema/ACCEPTED_CHANGES.md: one bullet
// per change, naming the schemas it is accepted in (subgraph names, `supergraph`, `api`), the change
// type and path exactly as the report prints them, and optionally why:
//
//   - orders, supergraph, api FIELD_REMOVED Order.total: replaced by Order.amount (#123)
//
// Backticks around the parts are allowed, so the file reads well on a forge.
import { CHANGE_TYPES } from './classify.mjs';

/** What the report suggests after the colon; an entry must replace it with the actual reason. */
export const PLACEHOLDER_REASON = '<why this break is acceptable>';

const SECTION = /^##\s+accepted changes\s*$/i;
const HEADING = /^#{1,6}\s/;
const BULLET = /^[-*]\s/;
const ENTRY = /^[-*]\s+`?([\w-]+(?:\s*,\s*[\w-]+)*)`?\s+`?([A-Z][A-Z_]*)`?\s+`?([^\s`:]+)`?(?:\s*:\s*(.*))?$/;

/**
 * Parses the file's text into { entries: [{ scopes, type, path, reason, line }], problems: [{ line, message }] }.
 * A bullet in the section that does not parse is a problem: a typo must not silently accept nothing.
 */
export function parseAcknowledgements(text) {
  const entries = [];
  const problems = [];
  let inSection = false;
  let sawSection = false;
  let inFence = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    if (HEADING.test(line)) {
      inSection = SECTION.test(line);
      sawSection ||= inSection;
      return;
    }
    if (!inSection || !BULLET.test(line)) return;
    const match = ENTRY.exec(line);
    if (!match) {
      problems.push({ line: index + 1, message: 'not an entry: expected "- <schemas> <CHANGE_TYPE> <path>: <why>"' });
      return;
    }
    const [, scopes, type, path, reason] = match;
    if (reason?.trim() === PLACEHOLDER_REASON) {
      problems.push({ line: index + 1, message: `replace ${PLACEHOLDER_REASON} with the reason, or drop it` });
    }
    entries.push({ scopes: scopes.split(/\s*,\s*/), type, path, reason: reason?.trim() || null, line: index + 1 });
  });
  if (!sawSection) problems.push({ line: 1, message: 'no "## Accepted changes" section' });
  return { entries, problems };
}

/**
 * Marks each change that an entry names as accepted (change.accepted = entry). Returns the scopes with
 * marked changes, problems (entries naming an unknown schema or change type) and stale entries (an
 * entry's schema has no such change: once the change is on the base branch, the entry can go).
 */
export function applyAcknowledgements(scopes, { entries, problems: parseProblems }) {
  const problems = [...parseProblems];
  const stale = [];
  const names = scopes.map((s) => s.name);
  const marked = scopes.map((scope) => ({ ...scope, changes: scope.changes.map((c) => ({ ...c, accepted: null })) }));
  for (const entry of entries) {
    const unknown = entry.scopes.filter((s) => !names.includes(s));
    if (unknown.length) problems.push({ line: entry.line, message: `unknown schema ${unknown.join(', ')} (known: ${names.join(', ')})` });
    if (!CHANGE_TYPES.has(entry.type)) problems.push({ line: entry.line, message: `unknown change type ${entry.type}` });
    for (const scope of marked.filter((s) => entry.scopes.includes(s.name))) {
      const matching = scope.changes.filter((c) => c.type === entry.type && c.path === entry.path);
      for (const change of matching) change.accepted = entry;
      if (!matching.length) stale.push({ entry, scope: scope.name });
    }
  }
  return { scopes: marked, problems, stale };
}
