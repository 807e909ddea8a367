// Classifies every difference between two versions of one schema (a subgraph's SDL, the supergraph or
// the API schema) as BREAKING, DANGEROUS or SAFE, with graphql-inspector plus federation's rules.
import { ChangeType, CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildASTSchema, parse } from 'graphql';
import { DIRECTIVE_CHANGE_TYPES, directiveUsageChanges } from './directive-usages.mjs';

export const LEVELS = ['BREAKING', 'DANGEROUS', 'SAFE'];

/** Every change type a report (and so an acknowledgement) can name. */
export const CHANGE_TYPES = new Set([...Object.values(ChangeType), ...DIRECTIVE_CHANGE_TYPES]);

const LEVEL_OF = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

// graphql-inspector gives no reason for these; a report must say why a change is not safe.
const MISSING_REASONS = {
  'TYPE_REMOVED:BREAKING': 'Operations and fragments that name this type fail validation.',
  'FIELD_TYPE_CHANGED:BREAKING': 'Clients get values of a type or nullability they do not expect, or their operations fail validation.',
  'FIELD_ARGUMENT_ADDED:BREAKING': 'Existing operations do not pass the new required argument and fail validation.',
  'FIELD_ARGUMENT_ADDED:DANGEROUS': 'Existing operations still work, but the field may now behave differently.',
  'FIELD_ARGUMENT_REMOVED:BREAKING': 'Operations that pass this argument fail validation.',
};

// Federation's own plumbing: _entities, _service and the _Entity union in a subgraph, join__* and link__*
// in the supergraph. Composition validates it and clients never see it.
const MACHINERY = /^@?(_Entity|_Service|_Any|join__\w+|link__\w+|link|federation__\w+)(\.|$)|^\w+\.(_entities|_service)(\.|$)/;
const MACHINERY_REASON = 'Federation machinery: composition validates it and clients never see it.';

// graphql-inspector also lists the parts of an added element (each field of a new type, the description
// of a new field, the locations of a new directive); they are part of that one change.
const ADDITIONS = new Set(['TYPE_ADDED', 'FIELD_ADDED', 'INPUT_FIELD_ADDED', 'FIELD_ARGUMENT_ADDED', 'ENUM_VALUE_ADDED', 'DIRECTIVE_ADDED']);

function withoutPartsOfAdditions(changes) {
  const added = changes.filter((c) => ADDITIONS.has(c.type)).map((c) => c.path);
  return changes.filter((c) => !added.some((path) => c.path.startsWith(`${path}.`) || (c.path === path && !ADDITIONS.has(c.type))));
}

/** The changes from baseSdl to headSdl, most severe first: [{ level, type, path, message, reason }]. */
export async function classifyChanges(baseSdl, headSdl) {
  const base = parse(baseSdl);
  const head = parse(headSdl);
  const inspected = await diff(toSchema(base), toSchema(head));
  const changes = [
    ...withoutPartsOfAdditions(inspected.filter((c) => !c.type.startsWith('DIRECTIVE_USAGE_')).map(fromInspector)),
    ...directiveUsageChanges(base, head),
  ].map((c) => (MACHINERY.test(c.path) ? { ...c, level: 'SAFE', reason: MACHINERY_REASON } : c));
  return changes.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.path.localeCompare(b.path));
}

// Subgraph SDL uses federation directives it does not define: build it without validating them.
function toSchema(doc) {
  return buildASTSchema(doc, { assumeValidSDL: true });
}

function fromInspector({ type, path, message, criticality }) {
  const level = LEVEL_OF[criticality.level];
  const reason = criticality.reason ?? MISSING_REASONS[`${type}:${level}`] ?? null;
  return { level, type, path: path ?? '', message, reason };
}
