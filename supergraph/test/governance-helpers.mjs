// Runs the schema check on a fixture case: fixtures/governance/base/ holds the base subgraphs, and a
// case directory holds head/ (the subgraph files it changes), expected.json and optionally
// ACCEPTED_CHANGES.md and base/ (subgraph files its base has besides the shared ones).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'graphql';
import { composeSupergraph } from '../compose.mjs';
import { parseAcknowledgements } from '../governance/acknowledgements.mjs';
import { checkSchemas } from '../governance/check.mjs';
import { fixture } from './helpers.mjs';

export const GOVERNANCE_FIXTURES = fixture('governance');
const BASE_DIR = join(GOVERNANCE_FIXTURES, 'base');

export const fixtureCases = () =>
  readdirSync(GOVERNANCE_FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'base')
    .map((d) => d.name);

const sdlFiles = (dir) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => [basename(f, '.graphql'), readFileSync(join(dir, f), 'utf8')]),
  );

export function readExpected(name) {
  return JSON.parse(readFileSync(join(GOVERNANCE_FIXTURES, name, 'expected.json'), 'utf8'));
}

export async function checkFixture(name) {
  const ownBase = join(GOVERNANCE_FIXTURES, name, 'base');
  const base = { ...sdlFiles(BASE_DIR), ...(existsSync(ownBase) ? sdlFiles(ownBase) : {}) };
  const head = { ...base, ...sdlFiles(join(GOVERNANCE_FIXTURES, name, 'head')) };
  const url = (n) => `http://${n}.invalid/graphql`;
  const { files } = composeSupergraph(Object.entries(base).map(([n, sdl]) => ({ name: n, url: url(n), typeDefs: parse(sdl) })));
  const accepted = join(GOVERNANCE_FIXTURES, name, 'ACCEPTED_CHANGES.md');
  return checkSchemas({
    subgraphs: Object.keys(head).map((n) => ({ name: n, url: url(n), base: base[n] ?? null, head: head[n] })),
    base: { supergraph: files['supergraph.graphql'], api: files['api-schema.graphql'] },
    acknowledgements: existsSync(accepted) ? parseAcknowledgements(readFileSync(accepted, 'utf8')) : { entries: [], problems: [] },
  });
}

/** A change as expected.json writes it: "<schema> <LEVEL> <CHANGE_TYPE> <path>". */
export const describeChange = (scope, c) => `${scope} ${c.level} ${c.type} ${c.path}`;
