// Loads router-config.yaml strictly: validated against router-config.schema.json, every problem
// reported with its key path, nothing unknown ever ignored.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Kind, parse } from 'graphql';
import YAML from 'yaml';

export class RouterConfigError extends Error {}

// The hive-gateway CLI lets these env vars (its options' `.env(...)`, in @graphql-hive/gateway
// 2.15) and any CLI argument override the config file (e.g. PORT beats listen.port, FORK starts
// workers, HIVE_USAGE_ACCESS_TOKEN reports usage to Hive's cloud, a positional path beats
// `supergraph`). Refuse them so that router-config.yaml stays the one place where the router is
// configured.
export const OVERRIDING_ENV = [
  'HOST', 'PORT', 'FORK', 'POLLING', 'JIT', 'CONFIG_PATH', 'RENDER_LEGACY_GRAPHIQL',
  'HIVE_CDN_ENDPOINT', 'HIVE_CDN_KEY', 'HIVE_REGISTRY_TOKEN', 'HIVE_TARGET', 'HIVE_ACCESS_TOKEN',
  'HIVE_USAGE_TARGET', 'HIVE_USAGE_ACCESS_TOKEN', 'HIVE_TRACE_ACCESS_TOKEN', 'HIVE_TRACE_ENDPOINT',
  'HIVE_ROUTER_RUNTIME', 'APOLLO_GRAPH_REF', 'APOLLO_KEY', 'APOLLO_SCHEMA_CONFIG_DELIVERY_ENDPOINT',
  'OPENTELEMETRY', 'OPENTELEMETRY_EXPORTER_TYPE', 'DEV_REGISTRY', 'DEV_REMOTE',
];

const schema = JSON.parse(readFileSync(new URL('./router-config.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv, ['uri']);
const validate = ajv.compile(schema);

// "/cors/origins/0" -> "cors.origins[0]"
function keyPath(instancePath, child) {
  const parts = instancePath.split('/').slice(1).concat(child ?? []);
  return parts.reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : path ? `${path}.${p}` : p), '');
}

function describe(error) {
  switch (error.keyword) {
    case 'additionalProperties':
      return `${keyPath(error.instancePath, error.params.additionalProperty)} is not a known key`;
    case 'required':
      return `${keyPath(error.instancePath, error.params.missingProperty)} is required`;
    default:
      return `${keyPath(error.instancePath) || 'the top level'} ${error.message}`;
  }
}

// A browser sends its Origin in one form only (RFC 6454): scheme and host in lowercase, no port
// when it is the scheme's default. An entry written otherwise ("https://App.Example.com",
// "https://app.example.com:443") never matches, and CORS fails with no word of why.
function originProblems(origins, label) {
  return origins.flatMap((origin, i) => {
    const sent = URL.canParse(origin) ? new URL(origin).origin : null;
    if (sent === origin) return [];
    const fix = sent && sent !== 'null' ? `write ${sent}` : 'write scheme://host[:port]';
    return [`${label}: cors.origins[${i}] ${origin} is not an origin as a browser sends it: ${fix}`];
  });
}

/** Checks a parsed router-config document against the schema; `label` prefixes every message. */
export function validateRouterConfig(config, label = 'router-config.yaml') {
  if (!validate(config)) {
    throw new RouterConfigError(validate.errors.map((e) => `${label}: ${describe(e)}`).join('\n'));
  }
  const problems = originProblems(config.cors.origins, label);
  if (problems.length) throw new RouterConfigError(problems.join('\n'));
  return config;
}

const argumentOf = (directive, name) => directive?.arguments.find((a) => a.name.value === name)?.value.value;
const definitionOf = (document, kind, name) => document.definitions.find((d) => d.kind === kind && d.name.value === name);

// Subgraph names by their join__Graph value, as the supergraph declares them:
// enum join__Graph { X @join__graph(name: "x", url: "...") } is X → "x".
function joinGraphNames(document) {
  const joinGraph = definitionOf(document, Kind.ENUM_TYPE_DEFINITION, 'join__Graph');
  return new Map(
    (joinGraph?.values ?? []).flatMap((v) =>
      v.directives.filter((d) => d.name.value === 'join__graph').map((d) => [v.name.value, argumentOf(d, 'name')]),
    ),
  );
}

/**
 * The subgraph that carries out each mutation field of a supergraph (its @join__field; a field has
 * none when Mutation is in one subgraph only, whose @join__type names it): { payOrder: 'payments' }.
 */
export function mutationFieldSubgraphs(document) {
  const graphs = joinGraphNames(document);
  const mutation = definitionOf(document, Kind.OBJECT_TYPE_DEFINITION, 'Mutation');
  const typeGraphs = (mutation?.directives ?? []).filter((d) => d.name.value === 'join__type');
  const only = typeGraphs.length === 1 ? argumentOf(typeGraphs[0], 'graph') : undefined;
  return new Map(
    (mutation?.fields ?? []).map((field) => {
      const joinField = field.directives?.find((d) => d.name.value === 'join__field');
      return [field.name.value, graphs.get(argumentOf(joinField, 'graph') ?? only)];
    }),
  );
}

/** A field definition's @cost weight in the supergraph (0 without one): what the router's cost rule adds for it. */
export function costWeight(fieldDefinition) {
  const cost = fieldDefinition?.directives?.find((directive) => directive.name.value === 'cost');
  const weight = cost?.arguments?.find((argument) => argument.name.value === 'weight')?.value;
  return weight?.kind === Kind.INT ? Number(weight.value) : 0;
}

// The costliest field of the supergraph, as the router's cost rule counts it alone: its @cost weight,
// plus 1 when it returns an object. { name: 'Mutation.login', cost: 15001 }, or null without @cost.
function costliestField(document) {
  const definitions = new Map(document.definitions.filter((d) => d.name).map((d) => [d.name.value, d.kind]));
  const composite = new Set([Kind.OBJECT_TYPE_DEFINITION, Kind.INTERFACE_TYPE_DEFINITION, Kind.UNION_TYPE_DEFINITION]);
  let costliest = null;
  for (const type of document.definitions) {
    for (const field of type.kind === Kind.OBJECT_TYPE_DEFINITION || type.kind === Kind.INTERFACE_TYPE_DEFINITION ? type.fields ?? [] : []) {
      const weight = costWeight(field);
      if (!weight) continue;
      let named = field.type;
      while (named.type) named = named.type;
      const cost = weight + (composite.has(definitions.get(named.name.value)) ? 1 : 0);
      if (!costliest || cost > costliest.cost) costliest = { name: `${type.name.value}.${field.name.value}`, cost };
    }
  }
  return costliest;
}

/**
 * Checks a supergraph's SDL against a loaded router config, at start and before the router serves a
 * changed supergraph file: it parses, it is a supergraph, it has the subgraphs `subgraphs` overrides
 * name, and limits.max_cost lets its costliest field be asked for. `label` prefixes every message.
 * Returns the parsed document.
 */
export function checkSupergraph(config, sdl, label = 'router-config.yaml') {
  let document;
  try {
    document = parse(sdl);
  } catch (err) {
    throw new RouterConfigError(`${label}: supergraph ${config.supergraph} is not GraphQL: ${err.message}`);
  }
  const known = [...joinGraphNames(document).values()];
  if (!known.length) {
    throw new RouterConfigError(`${label}: supergraph ${config.supergraph} is not a supergraph: it names no subgraph (enum join__Graph)`);
  }
  // A limit below what one field costs alone would refuse every operation that asks for it.
  const costliest = costliestField(document);
  if (costliest && config.limits.max_cost < costliest.cost) {
    throw new RouterConfigError(
      `${label}: limits.max_cost (${config.limits.max_cost}) is below what ${costliest.name} costs alone (${costliest.cost}): no operation could ask for it`,
    );
  }
  // An override for a name the supergraph does not have would be silently unused by the gateway.
  for (const name of Object.keys(config.subgraphs ?? {})) {
    if (!known.includes(name)) {
      throw new RouterConfigError(
        `${label}: subgraphs.${name} is not a subgraph of the supergraph (it has: ${known.join(', ')})`,
      );
    }
  }
  return document;
}

/** How messages name a router-config file: relative to the working directory when it is below it. */
export function configLabel(file) {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/**
 * Reads and validates a router-config.yaml. The returned `supergraph` is absolute: a relative
 * path in the file is resolved against the file's own directory, not the working directory.
 */
export function loadRouterConfig(file) {
  const label = configLabel(file);
  let config;
  try {
    config = YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RouterConfigError(`${label}: ${err.message}`);
  }
  validateRouterConfig(config, label);

  const supergraph = resolve(dirname(file), config.supergraph);
  if (!existsSync(supergraph)) {
    throw new RouterConfigError(`${label}: supergraph ${supergraph} does not exist (run \`make schema\`)`);
  }
  const loaded = { ...config, supergraph };
  checkSupergraph(loaded, readFileSync(supergraph, 'utf8'), label);
  return loaded;
}
