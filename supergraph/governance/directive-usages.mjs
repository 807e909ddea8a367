// Directive usages compared element by element, with what each federation directive means.
//
// graphql-inspector pairs repeatable directives by position (so @key(fields: "id") becoming
// @key(fields: "sku") reads as an argument "removed" and "added") and knows nothing of federation, so
// the checker drops its directive-usage changes and uses these instead.
import { Kind, print } from 'graphql';

export const DIRECTIVE_CHANGE_TYPES = ['ENTITY_KEY_ADDED', 'ENTITY_KEY_REMOVED', 'DIRECTIVE_USAGE_ADDED', 'DIRECTIVE_USAGE_REMOVED'];

// [level, reason] for a usage being added or removed; directives not listed may change run-time behaviour.
// The supergraph's join__* routing metadata follows from the subgraphs, whose own reports classify the
// change behind it (a key removed, a field made @shareable); composing twice validates the new routing.
const JOIN_EFFECT = {
  added: ['SAFE', 'Routing metadata derived from the subgraphs; both composers validated it.'],
  removed: ['SAFE', 'Routing metadata derived from the subgraphs; both composers validated it.'],
};
const AUTHORIZATION_EFFECT = {
  added: ['DANGEROUS', 'Requests without the required authorization now get an error here.'],
  removed: ['DANGEROUS', 'No authorization is required here any more: make sure that is intended.'],
};
const EFFECTS = {
  authenticated: AUTHORIZATION_EFFECT,
  requiresScopes: AUTHORIZATION_EFFECT,
  policy: AUTHORIZATION_EFFECT,
  key: {
    added: ['SAFE', 'One more key to fetch this entity by.'],
    removed: ['BREAKING', 'The router and the other subgraphs fetch this entity from this subgraph by that key.'],
  },
  shareable: {
    added: ['SAFE', 'Other subgraphs may now resolve this field too.'],
    removed: ['DANGEROUS', 'No other subgraph may resolve this field any more; composition fails if one does.'],
  },
  requires: {
    added: ['DANGEROUS', 'The router fetches the required fields first: a subgraph call more for this field.'],
    removed: ['BREAKING', 'The router no longer sends the required fields with the entity: a resolver that still reads them fails at run time.'],
  },
  inaccessible: {
    added: ['DANGEROUS', 'Hidden from clients: the api report shows what they lose.'],
    removed: ['SAFE', 'Now visible to clients.'],
  },
  link: {
    added: ['SAFE', 'Spec link or import; composition validates it.'],
    removed: ['SAFE', 'Spec link or import; composition validates it.'],
  },
};
const DEFAULT_EFFECT = {
  added: ['DANGEROUS', 'May change behaviour at run time.'],
  removed: ['DANGEROUS', 'May change behaviour at run time.'],
};

// graphql-inspector reports @deprecated with its own change types (FIELD_DEPRECATION_ADDED, ...).
const REPORTED_BY_INSPECTOR = new Set(['deprecated']);

const effectOf = (name) => EFFECTS[name] ?? (name.startsWith('join__') ? JOIN_EFFECT : DEFAULT_EFFECT);

/** Changes in directive usages on the elements (types, fields, arguments, enum values, schema) both documents have. */
export function directiveUsageChanges(baseDoc, headDoc) {
  const base = usagesByElement(baseDoc);
  const head = usagesByElement(headDoc);
  const changes = [];
  for (const [element, headUsages] of head) {
    const baseUsages = base.get(element);
    if (!baseUsages) continue; // a new element: graphql-inspector reports it as added
    for (const usage of missingFrom(baseUsages, headUsages)) changes.push(change('added', element, usage));
    for (const usage of missingFrom(headUsages, baseUsages)) changes.push(change('removed', element, usage));
  }
  return changes;
}

function change(addedOrRemoved, element, { name, text }) {
  const [level, reason] = effectOf(name)[addedOrRemoved];
  const kind = name === 'key' ? 'ENTITY_KEY' : 'DIRECTIVE_USAGE';
  return {
    type: `${kind}_${addedOrRemoved.toUpperCase()}`,
    level,
    path: `${element}.@${name}`,
    message: `${text} ${addedOrRemoved === 'added' ? 'added to' : 'removed from'} ${element}`,
    reason,
  };
}

/** Usages in `these` that `others` lacks, counting repeats (a repeatable directive may appear twice). */
function missingFrom(others, these) {
  const left = new Map();
  for (const { text } of others) left.set(text, (left.get(text) ?? 0) + 1);
  return these.filter(({ text }) => {
    const count = left.get(text) ?? 0;
    left.set(text, count - 1);
    return count <= 0;
  });
}

/** Map of schema coordinate ("Order", "Order.total", "Query.orders.status", "schema") to its directive usages. */
function usagesByElement(doc) {
  const elements = new Map();
  const add = (element, node) => {
    const usages = (node.directives ?? [])
      .filter((d) => !REPORTED_BY_INSPECTOR.has(d.name.value))
      .map((d) => ({ name: d.name.value, text: print(d) }));
    elements.set(element, [...(elements.get(element) ?? []), ...usages]);
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.SCHEMA_DEFINITION || def.kind === Kind.SCHEMA_EXTENSION) {
      add('schema', def);
      continue;
    }
    if (!def.name || def.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const type = def.name.value;
    add(type, def);
    for (const field of def.fields ?? []) {
      add(`${type}.${field.name.value}`, field);
      for (const arg of field.arguments ?? []) add(`${type}.${field.name.value}.${arg.name.value}`, arg);
    }
    for (const value of def.values ?? []) add(`${type}.${value.name.value}`, value);
  }
  return elements;
}
