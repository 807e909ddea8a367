#!/usr/bin/env node
// Validates the app's operations (operation-files.mjs) against the API schema of the composed
// supergraph, so that a subgraph change that breaks the frontend fails with the operation and field
// named; with --router-config, also against the router's limits in that file, which the router
// refuses an operation over (supergraph/check-operation-limits.mjs).
//
//   node scripts/check-operations.mjs                          against supergraph/supergraph.graphql
//   node scripts/check-operations.mjs --supergraph other.graphql
//   node scripts/check-operations.mjs --router-config ../router-config.yaml
//   node scripts/check-operations.mjs --operations DIR         the operations in DIR, not src/graphql/
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GraphQLError, LoneAnonymousOperationRule, Source, getLocation, parse, specifiedRules, validate } from 'graphql';
import { SUPERGRAPH_PATH, loadApiSchema } from './api-schema.mjs';
import { OPERATIONS_DIR, operationFiles } from './operation-files.mjs';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Run by supergraph/'s Node packages, in a process of its own: its graphql is not this one.
const LIMITS_SCRIPT = fileURLToPath(new URL('../../supergraph/check-operation-limits.mjs', import.meta.url));
const LIMITS_PACKAGES = fileURLToPath(new URL('../../supergraph/node_modules', import.meta.url));

// Paths in messages: from the repository root, where make runs.
function shown(path) {
  const fromRoot = relative(REPO_ROOT, path);
  return fromRoot.startsWith('..') ? path : fromRoot;
}

// Each file parsed on its own, so that every syntax error is reported with its file:line:col.
function parseFiles(files) {
  const documents = [];
  const syntaxErrors = [];
  for (const file of files) {
    try {
      documents.push(parse(new Source(readFileSync(file, 'utf8'), shown(file))));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const [{ line, column }] = error.locations;
      syntaxErrors.push(`${shown(file)}:${line}:${column}: ${error.message}`);
    }
  }
  // All files as one document, so that a fragment may be used from another file; every node
  // keeps its own Source, which names its file.
  return { document: { kind: 'Document', definitions: documents.flatMap((d) => d.definitions) }, syntaxErrors };
}

// codegen names each operation's types and document after the operation. graphql-js's own rule
// would say an anonymous operation "must be the only defined operation": all files are one document.
function operationsNamed(context) {
  return {
    OperationDefinition(node) {
      if (!node.name) {
        context.reportError(new GraphQLError('Every operation must be named: codegen names its types and document after it', { nodes: [node] }));
      }
    },
  };
}
const RULES = [...specifiedRules.filter((rule) => rule !== LoneAnonymousOperationRule), operationsNamed];

function definitionLabel(definition) {
  const name = definition.name?.value ?? '(anonymous)';
  return definition.kind === 'FragmentDefinition' ? `fragment ${name}` : `${definition.operation} ${name}`;
}

// "src/graphql/orders.graphql:9:5: query OrdersPage" for a node of the document.
function place(node, document) {
  const { source, start } = node.loc;
  const { line, column } = getLocation(source, start);
  const owner = document.definitions.find((d) => d.loc.source === source && d.loc.start <= start && start < d.loc.end);
  return `${source.name}:${line}:${column}${owner ? `: ${definitionLabel(owner)}` : ''}`;
}

// "src/graphql/orders.graphql:9:5: query OrdersPage: Cannot query field ..." at the first node at
// fault; the others (e.g. the second operation of a name) follow.
function describe(error, document) {
  const [first, ...others] = (error.nodes ?? []).filter((node) => node.loc);
  if (!first) return error.message;
  return `${place(first, document)}: ${error.message}${others.map((node) => ` (also ${place(node, document)})`).join('')}`;
}

// The router's limits, by supergraph/'s script on the same files and supergraph. The app sends an
// operation with a __typename in each selection set below the operation's own (urql's document
// cache adds them, src/client.ts): --typename counts those tokens too.
function checkRouterLimits(routerConfig, supergraph, files) {
  if (!existsSync(LIMITS_PACKAGES)) {
    console.error(`the router's limits need supergraph/'s packages (${shown(LIMITS_PACKAGES)}): run \`make bootstrap\``);
    return 1;
  }
  const args = [LIMITS_SCRIPT, '--router-config', resolve(routerConfig), '--supergraph', resolve(supergraph), '--typename', ...files];
  const { status, error } = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (error) throw error;
  return status ?? 1;
}

function main() {
  const { values } = parseArgs({
    options: {
      supergraph: { type: 'string', default: SUPERGRAPH_PATH },
      'router-config': { type: 'string' },
      operations: { type: 'string', default: OPERATIONS_DIR },
    },
  });
  const schema = loadApiSchema(values.supergraph);
  const files = operationFiles(values.operations);
  const { document, syntaxErrors } = parseFiles(files);
  if (syntaxErrors.length) {
    console.error(`frontend operations do not parse (${syntaxErrors.length} error(s)):`);
    for (const message of syntaxErrors) console.error(`  - ${message}`);
    return 1;
  }
  const errors = validate(schema, document, RULES);
  if (errors.length) {
    console.error(`frontend operations do not fit ${shown(values.supergraph)} (${errors.length} error(s)):`);
    for (const error of errors) console.error(`  - ${describe(error, document)}`);
    return 1;
  }
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition').length;
  if (!values['router-config']) {
    console.log(`${operations} frontend operations fit ${shown(values.supergraph)} (the router's limits are checked by \`make check-frontend-operations\`)`);
    return 0;
  }
  console.log(`${operations} frontend operations fit ${shown(values.supergraph)}`);
  return checkRouterLimits(values['router-config'], values.supergraph, files);
}

process.exitCode = main();
