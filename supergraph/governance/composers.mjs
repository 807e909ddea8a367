// Composes the subgraphs twice: with @theguild/federation-composition (what compose.mjs writes and Hive
// Gateway serves) and, independently, with Apollo's @apollo/composition, so the supergraph is known to
// be valid for Apollo's router too. @apollo/composition is under the Elastic License 2.0: it is used
// here only as a dev-time check, never shipped or run in production.
import { composeServices as composeWithApollo, validateSatisfiability } from '@apollo/composition';
import { ROUTER_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph } from '@apollo/federation-internals';
import { parse, printSchema } from 'graphql';
import { composeSupergraph, subgraphsNamedBy } from '../compose.mjs';
import { classifyChanges } from './classify.mjs';

export const GUILD = '@theguild/federation-composition';
export const APOLLO = '@apollo/composition';

/**
 * subgraphs: [{ name, url, sdl }]. Returns
 * { guild: { errors, supergraph, api }, apollo: { errors, hints }, disagreements: [string] }
 * where errors are [{ code, subgraphs, message }] (empty when it composed).
 */
export async function composeTwice(subgraphs) {
  const services = subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) }));
  const names = services.map((s) => s.name).sort();
  const describe = (errors = []) =>
    errors.map((e) => ({ code: e.extensions?.code ?? 'ERROR', subgraphs: subgraphsNamedBy(e, names), message: e.message }));

  const ours = composeSupergraph(services);
  const theirs = composeWithApollo(services);
  const guild = {
    errors: describe(ours.errors),
    supergraph: ours.files?.['supergraph.graphql'] ?? null,
    api: ours.files?.['api-schema.graphql'] ?? null,
  };
  const apollo = {
    errors: describe(theirs.errors),
    hints: (theirs.hints ?? []).map((h) => ({ code: h.definition.code, message: h.message })),
  };
  const disagreements = [];
  if (guild.errors.length && apollo.errors.length) {
    const codes = (errors) => [...new Set(errors.map((e) => e.code))].sort().join(', ');
    if (codes(guild.errors) !== codes(apollo.errors)) {
      disagreements.push(`Both fail, with different errors: ${GUILD} ${codes(guild.errors)}; ${APOLLO} ${codes(apollo.errors)}.`);
    }
  } else if (guild.errors.length) {
    disagreements.push(`Only ${APOLLO} composes the subgraphs; ${GUILD} fails.`);
  } else if (apollo.errors.length) {
    disagreements.push(`Only ${GUILD} composes the subgraphs; ${APOLLO} fails.`);
  } else {
    const apolloApi = printSchema(theirs.schema.toAPISchema().toGraphQLJSSchema());
    disagreements.push(...(await apiDifferences(guild.api, apolloApi, `${APOLLO}'s own composition`)));
    disagreements.push(...(await apolloReading(guild)));
  }
  return { guild, apollo, disagreements };
}

// What Apollo makes of the supergraph we ship: its router must load it, plan every field, and expose
// the same API schema as ours.
async function apolloReading({ supergraph, api }) {
  let supergraphApi;
  try {
    supergraphApi = Supergraph.build(supergraph, { supportedFeatures: ROUTER_SUPPORTED_SUPERGRAPH_FEATURES }).apiSchema();
  } catch (err) {
    return [`${APOLLO} rejects supergraph.graphql: ${err.message}`];
  }
  const { errors = [] } = validateSatisfiability({ supergraphSdl: supergraph });
  return [
    ...errors.map((e) => `${APOLLO} finds supergraph.graphql unsatisfiable: ${e.message}`),
    ...(await apiDifferences(api, printSchema(supergraphApi.toGraphQLJSSchema()), `${APOLLO}'s reading of supergraph.graphql`)),
  ];
}

async function apiDifferences(ourApi, theirApi, whose) {
  const changes = await classifyChanges(ourApi, theirApi);
  return changes.map((c) => `The API schema of ${whose} differs from api-schema.graphql: ${c.message}`);
}
