// Hive Gateway config, picked up by `hive-gateway supergraph` run from this directory.
// Every setting comes from router-config.yaml (env ROUTER_CONFIG, default ../router-config.yaml):
// this file only maps it onto Hive Gateway's options.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, Logger } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { loadRouterConfig, RouterConfigError } from './router-config.mjs';

const file = process.env.ROUTER_CONFIG
  ? resolve(process.env.ROUTER_CONFIG)
  : fileURLToPath(new URL('../router-config.yaml', import.meta.url));

// The hive-gateway CLI lets these env vars and any CLI argument override the config file
// (e.g. PORT beats listen.port, a positional path beats `supergraph`). Refuse them so that
// router-config.yaml stays the one place where the router is configured.
const OVERRIDING_ENV = ['HOST', 'PORT', 'RENDER_LEGACY_GRAPHIQL', 'HIVE_CDN_ENDPOINT', 'HIVE_CDN_KEY', 'APOLLO_GRAPH_REF', 'APOLLO_KEY'];

function checkNoOverrides() {
  const env = OVERRIDING_ENV.filter((name) => process.env[name]);
  if (env.length) {
    throw new RouterConfigError(`unset ${env.join(', ')}: router-config.yaml (${file}) is the only router configuration`);
  }
  const args = process.argv.slice(2);
  if (args.join(' ') !== 'supergraph') {
    throw new RouterConfigError(`run \`hive-gateway supergraph\` without other arguments (got: ${args.join(' ')}); settings belong in router-config.yaml`);
  }
}

let config;
try {
  checkNoOverrides();
  config = loadRouterConfig(file);
} catch (err) {
  if (!(err instanceof RouterConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
new Logger().info({ path: file }, 'Using router config');

const propagate = config.headers.propagate;

export const gatewayConfig = defineConfig({
  host: config.listen.host,
  port: config.listen.port,
  supergraph: config.supergraph,
  // Rust query planner instead of the default JS one.
  unifiedGraphHandler,
  // Per-subgraph URL overrides: merged over the join__graph url from the supergraph.
  transportEntries: Object.fromEntries(
    Object.entries(config.subgraphs ?? {}).map(([name, { url }]) => [name, { location: url }]),
  ),
  // Yoga treats an empty origin list as "allow every origin", so no origins must mean CORS off.
  cors: config.cors.origins.length ? { origin: config.cors.origins } : false,
  propagateHeaders: {
    // Absent headers come back as null, which Hive Gateway skips: only present headers are sent.
    fromClientToSubgraphs: ({ request }) => Object.fromEntries(propagate.map((h) => [h, request.headers.get(h)])),
  },
  upstreamTimeout: config.limits.subgraph_timeout_ms,
  maxDepth: config.limits.max_depth,
  maxTokens: config.limits.max_tokens,
  // `true` serves the CLI's default renderer, Hive Laboratory; the legacy CDN GraphiQL stays off.
  graphiql: config.graphiql,
  renderLegacyGraphiQL: false,
  // Hiding the schema also means no "Did you mean ...?" hints that would leak field names.
  disableIntrospection: !config.introspection,
  blockFieldSuggestions: !config.introspection,
  maskedErrors: true,
  readinessCheckEndpoint: '/readiness',
});
