// The schema check itself, without files or git: what changed in each subgraph, the supergraph and the
// API schema, how severe it is, whether both composers agree, and whether the check passes.
import { applyAcknowledgements } from './acknowledgements.mjs';
import { classifyChanges } from './classify.mjs';
import { composeTwice } from './composers.mjs';

/**
 * subgraphs: [{ name, url, base, head }] with SDL texts (base null when the base has no such file);
 * base: { supergraph, api } texts or null; acknowledgements: parseAcknowledgements()'s result.
 *
 * Returns { scopes, composition, problems, stale, unacceptedBreaking, passed }, where each scope is
 * { name, kind: 'subgraph' | 'supergraph' | 'api', status: 'compared' | 'new' | 'not composed', changes }.
 */
export async function checkSchemas({ subgraphs, base, acknowledgements }) {
  const composition = await composeTwice(subgraphs.map(({ name, url, head }) => ({ name, url, sdl: head })));
  const compared = await Promise.all([
    ...subgraphs.map((s) => compare(s.name, 'subgraph', s.base, s.head)),
    compare('supergraph', 'supergraph', base.supergraph, composition.guild.supergraph),
    compare('api', 'api', base.api, composition.guild.api),
  ]);
  const { scopes, problems, stale } = applyAcknowledgements(compared, acknowledgements);
  const unacceptedBreaking = scopes.flatMap((s) => s.changes.filter((c) => c.level === 'BREAKING' && !c.accepted).map((c) => ({ ...c, scope: s.name })));
  const composed = !composition.guild.errors.length && !composition.apollo.errors.length;
  const passed = composed && !composition.disagreements.length && !unacceptedBreaking.length && !problems.length;
  return { scopes, composition, problems, stale, unacceptedBreaking, passed };
}

async function compare(name, kind, base, head) {
  if (head === null) return { name, kind, status: 'not composed', changes: [] };
  // No base version (a new subgraph, or the base predates the file): everything in it is new, so safe.
  if (base === null) return { name, kind, status: 'new', changes: [] };
  return { name, kind, status: 'compared', changes: await classifyChanges(base, head) };
}
