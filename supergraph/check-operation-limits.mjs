#!/usr/bin/env node
// Checks a client's operations against the router's limits (router-config.yaml `limits.max_depth`,
// `max_tokens`, `max_cost`) with the router's own rules (operation-limits.mjs), so that an
// operation the router would refuse fails here, naming its file, the operation and the limit.
// Each operation is checked as a client sends it: with the fragments it uses, from any file.
// Whether the operations are valid against the schema is not checked here.
//
//   node check-operation-limits.mjs FILE.graphql...
//     --router-config FILE   the limits (default ../router-config.yaml)
//     --supergraph FILE      the schema (default: the router config's `supergraph`)
//     --typename             count a __typename in every selection set below the operation's own, as
//                            urql's document cache and Apollo Client add them to what they send
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSchema, getLocation, GraphQLError, Kind, parse, Source, visit } from 'graphql';
import { limitsExceeded } from './operation-limits.mjs';
import { loadRouterConfig, RouterConfigError } from './router-config.mjs';

const ROUTER_CONFIG = fileURLToPath(new URL('../router-config.yaml', import.meta.url));

// Paths in messages: from the working directory when below it.
function shown(path) {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') ? path : fromCwd;
}

const where = (node) => {
  const { line, column } = getLocation(node.loc.source, node.loc.start);
  return `${node.loc.source.name}:${line}:${column}`;
};

// The fragments `definition` spreads, and those they spread, by name.
function fragmentsUsed(definition, fragments, used = new Map()) {
  visit(definition, {
    FragmentSpread(spread) {
      const name = spread.name.value;
      const fragment = fragments.get(name);
      if (!fragment || used.has(name)) return;
      used.set(name, fragment);
      fragmentsUsed(fragment, fragments, used);
    },
  });
  return used;
}

const TYPENAME = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
const asksForTypename = (selection) => selection.kind === Kind.FIELD && selection.name.value === '__typename' && !selection.alias;

// As urql's formatDocument adds them: not to the operation's own selection set, nor to one that
// asks for __typename already.
function withTypenames(document) {
  return visit(document, {
    SelectionSet(selectionSet, _key, parent) {
      if (parent.kind === Kind.OPERATION_DEFINITION || selectionSet.selections.some(asksForTypename)) return undefined;
      return { ...selectionSet, selections: [...selectionSet.selections, TYPENAME] };
    },
  });
}

function main() {
  const { values, positionals: files } = parseArgs({
    allowPositionals: true,
    options: {
      'router-config': { type: 'string', default: ROUTER_CONFIG },
      supergraph: { type: 'string' },
      typename: { type: 'boolean', default: false },
    },
  });
  if (!files.length) {
    console.error('usage: node check-operation-limits.mjs [--router-config FILE] [--supergraph FILE] [--typename] FILE.graphql...');
    return 2;
  }
  const routerConfig = shown(values['router-config']);
  let config;
  try {
    config = loadRouterConfig(values['router-config']);
  } catch (error) {
    if (!(error instanceof RouterConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
  const schema = buildSchema(readFileSync(values.supergraph ?? config.supergraph, 'utf8'));

  const definitions = [];
  const syntaxErrors = [];
  for (const file of files) {
    try {
      definitions.push(...parse(new Source(readFileSync(file, 'utf8'), shown(file))).definitions);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const [{ line, column }] = error.locations;
      syntaxErrors.push(`${shown(file)}:${line}:${column}: ${error.message}`);
    }
  }
  if (syntaxErrors.length) {
    for (const message of syntaxErrors) console.error(message);
    return 1;
  }
  const fragments = new Map(definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const operations = definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);

  const problems = operations.flatMap((operation) => {
    const sent = { kind: Kind.DOCUMENT, definitions: [operation, ...fragmentsUsed(operation, fragments).values()] };
    const label = `${operation.operation} ${operation.name?.value ?? '(anonymous)'}`;
    return limitsExceeded(schema, values.typename ? withTypenames(sent) : sent, config.limits).map(
      ({ key, message }) => `${where(operation)}: ${label}: over limits.${key} (${routerConfig}): ${message}`,
    );
  });
  if (problems.length) {
    console.error(`operations over the router's limits in ${routerConfig} (${problems.length}):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    return 1;
  }
  const { max_depth, max_tokens, max_cost } = config.limits;
  console.log(`${operations.length} operations within the router's limits in ${routerConfig} (max_depth ${max_depth}, max_tokens ${max_tokens}, max_cost ${max_cost})`);
  return 0;
}

process.exitCode = main();
