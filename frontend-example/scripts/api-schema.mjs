// The API schema that clients of the router see: the composed supergraph without its
// federation machinery (join__ types, _entities, @inaccessible parts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSupergraphToPublicSchema } from '@theguild/federation-composition';
import { buildASTSchema, parse, printSchema } from 'graphql';

export const SUPERGRAPH_PATH = fileURLToPath(new URL('../../supergraph/supergraph.graphql', import.meta.url));

export function loadApiSchema(supergraphPath = SUPERGRAPH_PATH) {
  const supergraph = parse(readFileSync(supergraphPath, 'utf8'));
  return buildASTSchema(transformSupergraphToPublicSchema(supergraph));
}

export function apiSchemaSdl(supergraphPath = SUPERGRAPH_PATH) {
  return printSchema(loadApiSchema(supergraphPath));
}
