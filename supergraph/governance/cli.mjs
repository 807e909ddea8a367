#!/usr/bin/env node
// `make schema-check`: compares the subgraph SDL in the working tree (schema/*.graphql, as `make schema`
// exports it from the code), and the supergraph and API schema composed from it, with the committed
// versions at a base commit; prints the report and writes it as Markdown.
//
//   node supergraph/governance/cli.mjs [--base main] [--config supergraph/supergraph.yaml]
//     [--accepted schema/ACCEPTED_CHANGES.md] [--report supergraph/governance/schema-report.md]
//
// Exit status: 0 passed, 1 failed, 2 could not check (unknown base, unreadable input).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ComposeError, readSupergraphYaml } from '../compose.mjs';
import { parseAcknowledgements } from './acknowledgements.mjs';
import { checkSchemas } from './check.mjs';
import { GitError, openBase } from './git.mjs';
import { renderMarkdown, renderTerminal } from './report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const SUPERGRAPH_DIR = dirname(HERE);
const REPO_ROOT = dirname(SUPERGRAPH_DIR);
const USAGE = 'usage: node cli.mjs [--base <git ref>] [--config supergraph.yaml] [--accepted ACCEPTED_CHANGES.md] [--report report.md]';

class UsageError extends Error {}

// Paths as a person at the repo root types them; absolute when outside the working directory.
function label(path) {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') ? path : fromHere;
}

function readHead(file, name) {
  if (!existsSync(file)) throw new UsageError(`subgraph "${name}": ${label(file)} not found: run \`make schema\``);
  return readFileSync(file, 'utf8');
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        base: { type: 'string', default: 'main' },
        config: { type: 'string', default: join(SUPERGRAPH_DIR, 'supergraph.yaml') },
        accepted: { type: 'string', default: join(REPO_ROOT, 'schema', 'ACCEPTED_CHANGES.md') },
        report: { type: 'string', default: join(HERE, 'schema-report.md') },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err.message}\n${USAGE}`);
  }
  const configPath = resolve(values.config);
  const acceptedPath = resolve(values.accepted);
  const reportPath = resolve(values.report);
  const supergraphPath = join(dirname(configPath), 'supergraph.graphql');
  const apiPath = join(dirname(configPath), 'api-schema.graphql');

  const { subgraphs } = readSupergraphYaml(configPath);
  const base = openBase(values.base, dirname(configPath));
  const result = await checkSchemas({
    subgraphs: subgraphs.map(({ name, url, file }) => ({ name, url, head: readHead(file, name), base: base.read(file) })),
    base: { supergraph: base.read(supergraphPath), api: base.read(apiPath) },
    // No file yet: nothing acknowledged, which is fine until the first deliberate break.
    acknowledgements: existsSync(acceptedPath) ? parseAcknowledgements(readFileSync(acceptedPath, 'utf8')) : { entries: [], problems: [] },
  });

  const context = {
    base,
    files: {
      ...Object.fromEntries(subgraphs.map((s) => [s.name, label(s.file)])),
      supergraph: label(supergraphPath),
      api: label(apiPath),
    },
    acceptedFile: label(acceptedPath),
  };
  process.stdout.write(renderTerminal(result, context));
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, renderMarkdown(result, context));
  console.log(`Markdown report: ${label(reportPath)}`);
  return result.passed ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (!(err instanceof UsageError || err instanceof GitError || err instanceof ComposeError)) throw err;
  console.error(`schema-check: ${err.message}`);
  process.exitCode = 2;
}
