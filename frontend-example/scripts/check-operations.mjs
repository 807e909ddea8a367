#!/usr/bin/env node
// Validates every operation under src/ against the API schema of the composed supergraph,
// so that a subgraph change that breaks the frontend fails with the operation and field named.
//
//   node scripts/check-operations.mjs                          against supergraph/supergraph.graphql
//   node scripts/check-operations.mjs --supergraph other.graphql
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GraphQLError, Source, getLocation, parse, validate } from 'graphql';
import { SUPERGRAPH_PATH, loadApiSchema } from './api-schema.mjs';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Paths in messages: from the repository root, where make runs.
function shown(path) {
  const fromRoot = relative(REPO_ROOT, path);
  return fromRoot.startsWith('..') ? path : fromRoot;
}

function operationFiles() {
  return readdirSync(SRC, { recursive: true })
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => join(SRC, name));
}

// All files as one document, so that a fragment may be used from another file; every node
// keeps its own Source, which names its file.
function parseOperations(files) {
  const definitions = files.flatMap((file) => parse(new Source(readFileSync(file, 'utf8'), shown(file))).definitions);
  return { kind: 'Document', definitions };
}

function definitionLabel(definition) {
  const name = definition.name?.value ?? '(anonymous)';
  return definition.kind === 'FragmentDefinition' ? `fragment ${name}` : `${definition.operation} ${name}`;
}

// "src/graphql/orders.graphql:9:5: query OrdersPage: Cannot query field ..." for the first node at fault.
function describe(error, document) {
  const node = error.nodes?.[0];
  if (!node?.loc) return error.message;
  const { source, start } = node.loc;
  const { line, column } = getLocation(source, start);
  const owner = document.definitions.find((d) => d.loc.source === source && d.loc.start <= start && start < d.loc.end);
  return `${source.name}:${line}:${column}: ${owner ? `${definitionLabel(owner)}: ` : ''}${error.message}`;
}

function main() {
  const { values } = parseArgs({ options: { supergraph: { type: 'string', default: SUPERGRAPH_PATH } } });
  const schema = loadApiSchema(values.supergraph);
  let document;
  try {
    document = parseOperations(operationFiles());
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    console.error(`frontend operations: ${error.source?.name ?? ''} ${error.message}`);
    return 1;
  }
  const errors = validate(schema, document);
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition').length;
  if (errors.length) {
    console.error(`frontend operations do not fit ${shown(values.supergraph)} (${errors.length} error(s)):`);
    for (const error of errors) console.error(`  - ${describe(error, document)}`);
    return 1;
  }
  console.log(`${operations} frontend operations fit ${shown(values.supergraph)}`);
  return 0;
}

process.exitCode = main();
