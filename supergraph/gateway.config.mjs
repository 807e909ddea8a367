// The router: Hive Gateway's config, picked up by `hive-gateway supergraph` run from this directory.
// Its settings come from router-config.yaml (env ROUTER_CONFIG, default ../router-config.yaml), its
// HMAC secret from ROUTER_HMAC_SECRET; the rest is the router's own code: the plugins (bearer
// tokens, request signing, subgraph timeouts), the error policy (stable codes, masking, the request
// body parser and its limits) and the example operations shown in Hive Laboratory.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { defineConfig, LegacyLogger, Logger } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { BREAK, buildSchema, getOperationAST, GraphQLError, Kind, parse, visit } from 'graphql';
import { maskError } from 'graphql-yoga';
import { jwksKeys, useBearerTokens } from './bearer-tokens.mjs';
import { costRefusal, estimateCost } from './operation-limits.mjs';
import { checkSupergraph, configLabel, loadRouterConfig, mutationFieldSubgraphs, OVERRIDING_ENV, RouterConfigError } from './router-config.mjs';

const file = process.env.ROUTER_CONFIG
  ? resolve(process.env.ROUTER_CONFIG)
  : fileURLToPath(new URL('../router-config.yaml', import.meta.url));

// Neither the CLI's env vars (OVERRIDING_ENV) nor its arguments may override router-config.yaml.
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

// The secret that signs every subgraph request; the subgraphs refuse unsigned ones.
function hmacSecret() {
  const secret = process.env.ROUTER_HMAC_SECRET;
  if (!secret || secret.length < 16) {
    throw new RouterConfigError('set ROUTER_HMAC_SECRET (at least 16 characters, the same as the subgraphs\')');
  }
  return secret;
}

// Every subgraph request carries an HMAC-SHA256 of its exact body, keyed by the shared secret and
// base64-encoded, in the x-router-signature header (federation_kit.signature checks it). Hive
// Gateway's own `hmacSignature` signs a re-serialization of the query and variables instead, which
// the subgraphs had to reproduce byte for byte, and which left the rest of the body unsigned; that
// re-serialization was 7% of the router's CPU at 1,000 orders (bench/router_ab.py).
const SIGNATURE_HEADER = 'x-router-signature';
const useHmacSignature = (secret) => ({
  onFetch({ executionRequest, options, setOptions }) {
    if (executionRequest && typeof options.body === 'string') {
      const signature = createHmac('sha256', secret).update(options.body).digest('base64');
      setOptions({ ...options, headers: { ...options.headers, [SIGNATURE_HEADER]: signature } });
    }
  },
});

// Hive Gateway's `upstreamTimeout` gives every subgraph call a timer signal of its own
// (AbortSignal.timeout), a merged signal and a promise race: 17% of the router's CPU at N=1
// (bench/router_ab.py), and this about 60% of that. Here a call gets an AbortController, and one
// timer, running only while calls are in flight, aborts those past their deadline (up to SWEEP_MS
// late). The error names the subgraph, like the other subgraph failures.
const SWEEP_MS = 25;
const useSubgraphTimeout = (timeoutMs) => {
  const inFlight = new Set();
  let sweeper = null;
  const sweep = () => {
    const now = performance.now();
    for (const call of inFlight) {
      if (call.deadline <= now) {
        inFlight.delete(call);
        const error = new GraphQLError(`The ${call.subgraphName} subgraph did not answer within ${timeoutMs} ms`, {
          extensions: { code: 'GATEWAY_TIMEOUT', serviceName: call.subgraphName, http: { status: 504 } },
        });
        call.controller.abort(error);
      }
    }
    sweeper = inFlight.size ? setTimeout(sweep, SWEEP_MS) : null;
  };
  return {
    onSubgraphExecute({ subgraphName, executor, setExecutor }) {
      setExecutor((executionRequest) => {
        const clientSignal = executionRequest.signal;
        if (clientSignal?.aborted) return executor(executionRequest);
        const controller = new AbortController();
        const call = { controller, subgraphName, deadline: performance.now() + timeoutMs };
        const clientGone = () => controller.abort(clientSignal.reason);
        clientSignal?.addEventListener('abort', clientGone, { once: true });
        inFlight.add(call);
        sweeper ??= setTimeout(sweep, SWEEP_MS);
        const done = () => {
          inFlight.delete(call);
          clientSignal?.removeEventListener('abort', clientGone);
        };
        let result;
        try {
          result = executor({ ...executionRequest, signal: controller.signal });
        } catch (error) {
          done();
          throw error;
        }
        if (typeof result?.then !== 'function') {
          done();
          return result;
        }
        // Only `then`: the executor may answer with a thenable that is not a Promise.
        return result.then(
          (answer) => {
            done();
            return answer;
          },
          (error) => {
            done();
            throw error;
          },
        );
      });
    },
  };
};

let config;
let secret;
try {
  checkNoOverrides();
  config = loadRouterConfig(file);
  secret = hmacSecret();
} catch (err) {
  if (!(err instanceof RouterConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
new Logger().info({ path: file }, 'Using router config');

// The supergraph is read from its file here, not by the hive-gateway CLI: the CLI's watch of a
// supergraph path ended the router when `make schema` rewrote the file in place (it read the file
// empty, and the parse error went uncaught), and stopped for good once the file was replaced by a
// rename (mv, git checkout). Hive Gateway calls this function at start, then again when a request
// or a readiness probe comes SUPERGRAPH_POLL_MS or more after the last call, without holding that
// request up. A changed file is served once it passes the router's start checks and the query
// planner takes it; until then the last good supergraph serves, and why is logged, once per content.
const SUPERGRAPH_POLL_MS = 10_000; // the CLI's shortest

// The subgraph that carries out each mutation field of the supergraph served ({ payOrder: 'payments' }):
// the schema the gateway executes against has no join directives.
let mutationSubgraphs = new Map();
const readSupergraph = (path) => {
  let served = null;
  let refused = null;
  return async ({ log }) => {
    let sdl;
    let document;
    try {
      sdl = await readFile(path, 'utf8');
      if (sdl === served || sdl === refused) return served;
      document = checkSupergraph(config, sdl, configLabel(file));
      // What the gateway does with it next, so that nothing fails there: the schema and the planner.
      await unifiedGraphHandler({ unifiedGraph: buildSchema(sdl), getUnifiedGraphSDL: () => sdl });
    } catch (error) {
      if (served === null) throw error;
      refused = sdl ?? null;
      log.error({ path, problem: error.message }, 'The supergraph file cannot be served: the router serves the previous one');
      return served;
    }
    if (served === null) log.info({ path, pollingIntervalMs: SUPERGRAPH_POLL_MS }, 'Serving the supergraph file, read again for changes');
    else log.info({ path }, 'Serving the changed supergraph file');
    served = sdl;
    mutationSubgraphs = mutationFieldSubgraphs(document);
    return sdl;
  };
};

// One id names a client request in the router and in every service (docs/operations.md): the
// client's X-Request-ID when the services would keep it too (federation_kit.observability's rule),
// else a new one, answered to the client and sent to every subgraph. Hive Gateway's own
// (`requestId`) kept any id, which each service then replaced with one of its own. The request's
// logger carries the id as `requestId`.
const REQUEST_ID_HEADER = 'x-request-id';
const KEPT_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const useRequestId = () => {
  const requestIds = new WeakMap();
  return {
    onRequest({ request, serverContext }) {
      const sent = request.headers.get(REQUEST_ID_HEADER);
      const requestId = sent && KEPT_REQUEST_ID.test(sent) ? sent : randomUUID();
      requestIds.set(request, requestId);
      serverContext.log = serverContext.log.child({ requestId });
      serverContext.logger = LegacyLogger.from(serverContext.log);
    },
    onFetch({ context, options, setOptions }) {
      const requestId = context?.request && requestIds.get(context.request);
      if (requestId) setOptions({ ...options, headers: { ...options.headers, [REQUEST_ID_HEADER]: requestId } });
    },
    onResponse({ request, response }) {
      const requestId = requestIds.get(request);
      if (requestId) response.headers.set(REQUEST_ID_HEADER, requestId);
    },
  };
};

const propagate = config.headers.propagate;
const allowedOrigins = new Set(config.cors.origins);
// What a listed origin's browser is told. Allowed request headers are left to Yoga, which allows
// those the preflight asks for: the subgraphs get only headers.propagate, and without credentials
// another header is no risk.
const CORS_FOR_LISTED_ORIGINS = {
  origin: config.cors.origins,
  credentials: false,
  // The methods the router serves; without a list Yoga allowed whatever method a preflight asked.
  methods: ['GET', 'POST'],
  // Headers a page's JavaScript may read besides the CORS-safelisted ones: the request's id, to
  // follow it in the logs (docs/operations.md), and a 401's challenge.
  exposedHeaders: ['X-Request-ID', 'WWW-Authenticate'],
  // A preflight's answer is kept this long (Chrome's cap, 2 h; without it, 5 s, so nearly every
  // request took two round trips). No risk in keeping it: every answer carries its own
  // Access-Control-Allow-Origin, so an origin taken off cors.origins is refused at once.
  maxAge: 7200,
};

// Whether an answer carries CORS headers depends on the request's Origin: every answer says so, not
// only those that carry them (Yoga's own Vary), or a shared cache could give a listed origin an
// answer made for another one, without them.
const useVaryOnOrigin = () => ({
  onResponse({ response }) {
    const vary = response.headers.get('vary') ?? '';
    if (!vary.split(',').some((name) => name.trim().toLowerCase() === 'origin')) response.headers.append('vary', 'Origin');
  },
});

// On SIGTERM (SIGINT) the router drains: Hive Gateway's CLI stops taking connections and waits for the
// requests in flight (gracefulShutdownTimeout, below). An answer given meanwhile closes its
// connection: kept open, it would carry the client's next request to a router about to exit, and
// the router would wait for it to idle out before exiting.
let draining = false;
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => (draining = true));
const useConnectionCloseWhileDraining = () => ({
  onResponse({ response }) {
    if (draining) response.headers.set('connection', 'close');
  },
});

// Hive Laboratory is one HTML page of 21.6 MB, the same for every visit: sent as it was, each visit
// downloaded all of it. Now compressed (brotli 3.1 MB, gzip 4.1 MB) once and off the event loop,
// and with an ETag, so that a browser coming back gets 304 Not Modified. Only the compressed pages
// are kept, not the text; the page's length tells a changed page (the options are fixed at start).
const COMPRESS = {
  br: promisify(brotliCompress),
  gzip: promisify(gzip),
};
const COMPRESS_OPTIONS = {
  br: { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }, // 11 takes 24 s for 10% less
  gzip: { level: 9 },
};
const useLaboratoryDelivery = () => {
  let page = null; // { length, etag, encoded: Map(encoding -> Promise<Buffer>) }
  return {
    async onResponse({ request, response, setResponse, fetchAPI: { Headers, Response } }) {
      if (request.method !== 'GET' || !response.headers.get('content-type')?.startsWith('text/html')) return;
      const text = await response.text();
      if (page?.length !== text.length) {
        const etag = `"${createHash('sha256').update(text).digest('base64url')}"`;
        page = { length: text.length, etag, encoded: new Map() };
      }
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      headers.set('etag', page.etag);
      headers.set('cache-control', 'no-cache'); // kept, but asked about again each visit
      headers.append('vary', 'Accept-Encoding');
      if (request.headers.get('if-none-match')?.split(',').some((tag) => tag.trim() === page.etag)) {
        setResponse(new Response(null, { status: 304, headers }));
        return;
      }
      const accepted = (request.headers.get('accept-encoding') ?? '')
        .split(',')
        .filter((part) => !/;\s*q=0(\.0*)?\s*$/i.test(part)) // "br;q=0": anything but brotli
        .map((part) => part.split(';')[0].trim().toLowerCase());
      const encoding = ['br', 'gzip'].find((name) => accepted.includes(name));
      if (!encoding) {
        setResponse(new Response(text, { status: response.status, headers }));
        return;
      }
      const { encoded } = page;
      if (!encoded.has(encoding)) encoded.set(encoding, COMPRESS[encoding](text, COMPRESS_OPTIONS[encoding]));
      headers.set('content-encoding', encoding);
      setResponse(new Response(await encoded.get(encoding), { status: response.status, headers }));
    },
  };
};

// A subgraph that failed (down, refused, timed out) is named, so clients and operators know which
// fields are null and why; its URL and the request sent to it never leak. Errors a subgraph
// answered itself (e.g. FORBIDDEN) pass as they are, but for a refused signature (below); anything
// else unexpected stays masked.
const SUBGRAPH_FAILURES = new Set(['SUBREQUEST_HTTP_ERROR', 'DOWNSTREAM_SERVICE_ERROR', 'GATEWAY_TIMEOUT']);

// The Rust query planner cannot plan some valid operations (tests/test_fuzz.py has one). The client
// is told so, with the code Hive Router gives the same failure, rather than "Unexpected error.".
const PLANNER_FAILURE = 'Failed to plan query: ';
// Its parser reads an operation nesting selection sets and list/object values together up to about
// 50 levels deep. Values nested deeper than MAX_VALUE_NESTING are refused before planning
// (literalsThePlannerReads); this is for the rest, e.g. selection sets when limits.max_depth allows
// so many: refused as graphql-js's depth limit refuses an operation, not as "Unexpected error.".
const PLANNER_PARSE_FAILURE = 'Failed to parse query: ';

// A mutation field whose own subgraph failed may have been carried out (its answer lost): the client
// is told so, rather than that "its fields are null". Another subgraph failing under it (a field it
// adds to the result: the router's path is the mutation field's all the same) came after the write.
const OUTCOME_UNKNOWN =
  'whether this mutation was carried out is not known. Check, or send it again: createOrder and payOrder with the same idempotencyKey are carried out once';

// A subgraph refusing the router's own signature (federation_kit's 403) means the router's
// ROUTER_HMAC_SECRET differs from the subgraph's: a fault of the deployment, not of the client,
// who is told that the subgraph is unavailable, as when it cannot be reached, and not FORBIDDEN.
// The subgraph refuses before any resolver runs, so a mutation it carries out was not.
const SIGNATURE_REFUSED = 'ROUTER_SIGNATURE_INVALID';

// `writers`: the subgraph that carries out each mutation field of the request, by its response key.
function maskErrorNamingSubgraph(error, message, writers) {
  const { code, serviceName, http } = error?.extensions ?? {};
  // The failed subgraph is the one that carries out the mutation field this error is under.
  const writer = Boolean(serviceName) && writers?.get(error.path?.[0]) === serviceName;
  if (serviceName && code === SIGNATURE_REFUSED) {
    // Not carried out: the refused call is the mutation's own (its path, the field alone). A later
    // call to the same subgraph under it (payOrder { order { payments } }) may follow a write
    // another of its instances, with the right secret, carried out.
    const consequence = !writer ? 'its fields are null in this answer' : error.path.length === 1 ? 'this mutation was not carried out' : OUTCOME_UNKNOWN;
    const why = "it refuses the router's requests, a fault of this deployment, not of the request";
    return new GraphQLError(`The ${serviceName} subgraph is unavailable (${why}): ${consequence}`, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: 'SUBREQUEST_HTTP_ERROR', serviceName },
    });
  }
  if (serviceName && SUBGRAPH_FAILURES.has(code)) {
    const what = code === 'GATEWAY_TIMEOUT' ? 'did not answer in time' : 'is unavailable';
    const consequence = writer ? OUTCOME_UNKNOWN : 'its fields are null in this answer';
    return new GraphQLError(`The ${serviceName} subgraph ${what}: ${consequence}`, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code, serviceName, ...(http && { http }) },
    });
  }
  const planner = (error?.originalError ?? error)?.message;
  if (typeof planner === 'string' && planner.startsWith(PLANNER_FAILURE)) {
    const why = planner.slice(PLANNER_FAILURE.length);
    return new GraphQLError(`The router's query planner cannot plan this operation (${why}); ask for these fields by another path`, {
      extensions: { code: 'QUERY_PLAN_BUILD_FAILED', http: { status: 500 } },
    });
  }
  // Only its depth limit ("Recursion limit exceeded"): any other parse failure of a document
  // graphql-js took is the router's to answer for, not the client's.
  if (typeof planner === 'string' && planner.startsWith(PLANNER_PARSE_FAILURE) && /recursion limit/i.test(planner)) {
    // The planner's message locates the failure in a reprint of the document: only its reason is kept.
    const why = planner.trim().split('\n').at(-1).slice(0, 100);
    return new GraphQLError(`The router's query planner cannot read this operation (${why}): it nests too deeply`, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
    });
  }
  return maskError(error, message);
}

// What the client gets masked is logged whole, with the request's id: `log` is the request's logger
// (useRequestId's). Yoga, which masked errors before, logged them with a logger of its own, without
// the id. A subgraph failure is logged without the request sent to the subgraph, whose variables
// may hold a password.
function maskedForClient(error, log, writers) {
  const masked = maskErrorNamingSubgraph(error, 'Unexpected error.', writers);
  if (masked === error) return error;
  const { code, serviceName } = masked.extensions;
  if (error.extensions?.code === SIGNATURE_REFUSED) {
    const message = `The ${serviceName} subgraph refuses the router's request signatures: the router's ROUTER_HMAC_SECRET does not match the ${serviceName} subgraph's (or something between them alters request bodies)`;
    log.error({ serviceName, code: SIGNATURE_REFUSED, path: error.path }, message);
  } else if (serviceName) log.error({ serviceName, code, path: error.path }, error.message);
  else log.error({ err: error.originalError ?? error, path: error.path }, error.message);
  return masked;
}

// Every error a client gets has a code of the README's table, and nothing of our internals.
// Yoga answers a body that is not one GraphQL request with BAD_REQUEST (plus the JSON parser's
// own error under `originalError`, which we drop), and graphql-js's variable coercion and the
// depth limit give none. JSON bodies are read here rather than by Yoga's request.json(): invalid
// UTF-8 is refused instead of decoded to U+FFFD, and a body the subgraphs would refuse as too
// large (Django's 2.5 MB default) is refused here first.
const MAX_BODY_BYTES = 2 * 1024 * 1024;
// The document's text is kept with its parse, validation and query plan, for up to 1,000 documents:
// 64 different documents of 1.9 MB filled the router's heap (it exited), and 600 of 64 KiB took
// 150 MB more. A document needs few characters (limits.max_tokens: 1,000 tokens); large values go
// in variables, which are not kept. Its text also grows when the router prints it again for a
// subgraph, at most 7 times (a DEL becomes \\u007F in JSON): 2 MiB of variables and 7 x 32 KiB of
// document still fit the subgraphs' 2.5 MB.
const MAX_QUERY_CHARS = 32 * 1024;
// JSON.parse reads any depth, but what handles the request after it recurses: the router's logger
// overflowed its stack on variables 100,000 levels deep, the subgraphs' Python json on 1,000.
// A GraphQL request nests a few levels (body, variables, input, list, item): 64 is plenty.
const MAX_JSON_DEPTH = 64;

// gunicorn, under the subgraphs, refuses a header line ("name: value", CRLF) longer than 8,190
// bytes with HTTP 431, which reached the client as an internal error: a header the router forwards
// (headers.propagate) must fit, or the request is refused here, before any subgraph is called.
const MAX_FORWARDED_HEADER_LINE = 8190;
const forwardedHeaderTooLong = (request) =>
  propagate.find((name) => name.length + (request.headers.get(name)?.length ?? 0) + 4 > MAX_FORWARDED_HEADER_LINE);

const badRequest = (message, status = 400) =>
  new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status } } });
const tooLarge = () => badRequest(`The request body is larger than ${MAX_BODY_BYTES} bytes`, 413);
const unsupportedMediaType = () => {
  throw badRequest('Send a GraphQL request as JSON (content-type: application/json), or as a GET with ?query=', 415);
};

// Whether `root`, parsed JSON, nests objects and arrays deeper than MAX_JSON_DEPTH (`root` is level
// 1). Without recursion, which would overflow as the logger did.
function nestsTooDeep(root) {
  const values = [root];
  const depths = [1];
  while (values.length) {
    const value = values.pop();
    const depth = depths.pop();
    if (depth > MAX_JSON_DEPTH) return true;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
const checkedParams = (body) => {
  if (nestsTooDeep(body)) throw badRequest(`The request nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  // Yoga checks the types of query, variables and extensions, not this one's: 5 was "Could not
  // determine what operation to execute" (OPERATION_RESOLUTION_FAILURE), a wrong name's answer.
  if (body.operationName != null && typeof body.operationName !== 'string') {
    throw badRequest(`Expected "operationName" param to be a string, but given ${Array.isArray(body.operationName) ? 'array' : typeof body.operationName}.`);
  }
  if (typeof body.query === 'string' && body.query.length > MAX_QUERY_CHARS) {
    throw badRequest(`The query is longer than ${MAX_QUERY_CHARS} characters: send large values as variables`, 413);
  }
  return body;
};

// Yoga's "Could not determine what operation to execute." says neither which name was not found
// nor that a name is needed: graphql-js's wording, with the document's operations.
function operationNotFound(error, params) {
  let names;
  try {
    names = parse(params.query, { noLocation: true })
      .definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION)
      .map((operation) => operation.name?.value ?? '(anonymous)');
  } catch {
    return error;
  }
  const name = params.operationName == null ? null : JSON.stringify(params.operationName.slice(0, 100));
  const message = !names.length
    ? 'Must provide an operation.'
    : name === null
      ? `Must provide operation name if query contains multiple operations: the document has ${names.join(', ')}`
      : `Unknown operation named ${name}: the document has ${names.join(', ')}`;
  return new GraphQLError(message, { extensions: error.extensions });
}

// Yoga's GET parser JSON.parses the `variables` and `extensions` parameters as they come: text
// that is not JSON was an internal error (HTTP 500).
const readingGetParameters = (parser) => async (request) => {
  let params;
  try {
    params = await parser(request);
  } catch (error) {
    if (error instanceof SyntaxError) throw badRequest('The variables and extensions parameters must be JSON');
    throw error;
  }
  return checkedParams(params);
};
const isJsonRequest = (request) => {
  // Media types are case-insensitive (RFC 9110): "Application/JSON; charset=UTF-8" is JSON.
  const type = request.headers.get('content-type')?.split(',')[0].split(';')[0].trim().toLowerCase();
  return request.method === 'POST' && (type === 'application/json' || type === 'application/graphql+json');
};

async function parseJsonBody(request) {
  if (Number(request.headers.get('content-length')) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  let body;
  try {
    // ignoreBOM keeps a byte-order mark, which JSON does not allow, so JSON.parse refuses it.
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    throw badRequest('The request body is not JSON in UTF-8');
  }
  if (body === null || typeof body !== 'object') {
    throw badRequest('The request body must be a JSON object with a query');
  }
  return checkedParams(body); // an array (a batch) is refused by Yoga's batching limit, with BAD_REQUEST
}

const CODE_FOR = [
  [/^Syntax Error: Query depth limit/, 'GRAPHQL_VALIDATION_FAILED'],
  [/^Syntax Error:/, 'GRAPHQL_PARSE_FAILED'],
  [/^Variable "\$/, 'BAD_USER_INPUT'],
];
const RENAMED_CODES = { REQUEST_ENTITY_TOO_LARGE: 'BAD_REQUEST' };
// A variable's value graphql-js refused is named as the subgraphs name a field: by the argument the
// variable is given to and the path from there ("password", "pagination.limit"), an `input`
// argument's by the path in the input ("items[0].quantity"). graphql-js names the variable, the
// path in its value when there is one ('Variable "$i" got invalid value 2147483648 at
// "i.items[1].quantity"; ...') and a missing or unknown field of an input object ('...; Field "sku"
// of required type "String!" was not provided.'); where the variable is given is looked up in the
// operation, parsed again from the error's source: only a refused request pays for it.
const VARIABLE_NAME = /^Variable "\$(\w+)" /;
const FIELD_OF_INPUT = /; Field "(\w+)" (?:of required type "[^"]*" was not provided|is not defined by type "\w+")\.(?: Did you mean [^;]*)?$/;
const KEYS = /\.(\w+)|\[(\d+)\]/g;

// The keys from an argument's value down to `$name` in it, or null where it is not.
function keysToVariable(value, name) {
  if (value.kind === Kind.VARIABLE) return value.name.value === name ? [] : null;
  const children =
    value.kind === Kind.LIST ? value.values.entries() : value.kind === Kind.OBJECT ? value.fields.map((field) => [field.name.value, field.value]) : [];
  for (const [key, child] of children) {
    const keys = keysToVariable(child, name);
    if (keys) return [key, ...keys];
  }
  return null;
}

// [argument, ...keys] where `$name`, declared by `definition`, is first given: in its operation, else
// in a fragment.
function variableUse(definition, name) {
  const source = definition?.loc?.source;
  if (!source) return null;
  const document = parse(source);
  const operation = document.definitions.find((d) => d.variableDefinitions?.some((v) => v.loc.start === definition.loc.start));
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  let use = null;
  for (const node of [operation, ...fragments].filter(Boolean)) {
    visit(node, {
      Argument(argument) {
        const keys = keysToVariable(argument.value, name);
        if (!keys) return undefined;
        use = [argument.name.value, ...keys];
        return BREAK;
      },
    });
    if (use) return use;
  }
  return null;
}

function invalidField({ message, nodes }) {
  const variable = VARIABLE_NAME.exec(message)?.[1];
  const use = variable && variableUse(nodes?.[0], variable);
  if (!use) return undefined;
  const at = new RegExp(`.* at "${variable}((?:\\.\\w+|\\[\\d+\\])+)"; `, 's').exec(message)?.[1] ?? '';
  const keys = [...use, ...Array.from(at.matchAll(KEYS), ([, key, index]) => key ?? Number(index))];
  const missing = FIELD_OF_INPUT.exec(message)?.[1];
  if (missing) keys.push(missing);
  if (keys[0] === 'input' && keys.length > 1) keys.shift();
  return keys.map((key, i) => (typeof key === 'number' ? `[${key}]` : i ? `.${key}` : key)).join('');
}

function giveStableCode(error) {
  const { message, extensions } = error;
  delete extensions.originalError;
  if (RENAMED_CODES[extensions.code]) extensions.code = RENAMED_CODES[extensions.code];
  const code = !extensions.code && CODE_FOR.find(([pattern]) => pattern.test(message))?.[1];
  if (code) extensions.code = code;
  const field = extensions.code === 'BAD_USER_INPUT' && !extensions.field && invalidField(error);
  if (field) extensions.field = field;
  // Yoga answers a request without a query with HTTP 200 unless the client accepts
  // application/graphql-response+json (`spec`); every other BAD_REQUEST is a 400.
  if (extensions.code === 'BAD_REQUEST' && extensions.http?.spec) delete extensions.http.spec;
}

// graphql-js 16 validates the fields of an operation whose root type the schema lacks against
// nothing, so `subscription { x }` passed and the query planner failed the request (HTTP 500).
// graphql-js 17's KnownOperationTypesRule, which the subgraphs' graphql-core has too.
const operationTypesTheSupergraphHas = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      const message = `The ${node.operation} operation is not supported by the schema.`;
      context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    }
  },
});

// The query planner reads an Int literal as 32 bits and fails the whole request (HTTP 500) on a
// larger one, which graphql-js lets through where a custom scalar (Decimal, _Any) is expected.
// Where one is, graphql-js also takes lists and objects nested to any depth, and the planner's
// parser gives up at about 50 levels, selection sets included (PLANNER_PARSE_FAILURE): values may
// nest 32, and limits.max_depth's selection sets (12) come on top.
const MAX_INT = 2 ** 31 - 1;
const MAX_VALUE_NESTING = 32;
const literalsThePlannerReads = (context) => {
  const refuse = (node, message) =>
    context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
  let nesting = 0;
  let reported = false;
  const nest = {
    enter(node) {
      nesting += 1;
      if (nesting > MAX_VALUE_NESTING && !reported) {
        reported = true;
        refuse(node, `A value nests lists and objects deeper than ${MAX_VALUE_NESTING} levels`);
      }
    },
    leave() {
      nesting -= 1;
    },
  };
  return {
    ListValue: nest,
    ObjectValue: nest,
    IntValue(node) {
      if (Math.abs(Number(node.value)) > MAX_INT) {
        refuse(node, `The number ${node.value.slice(0, 40)} does not fit in 32 bits: send a larger value as a string`);
      }
    },
    FloatValue(node) {
      if (!Number.isFinite(Number(node.value))) {
        refuse(node, `The number ${node.value.slice(0, 40)} is too large: send it as a string`);
      }
    },
  };
};

// The estimated cost of each operation that no variable sizes, per schema (a reloaded supergraph
// may weigh it otherwise) and document (Yoga keeps one document object per query text): it costs
// the same in every request.
const fixedCosts = new WeakMap();

// limits.max_cost is checked as the operation is about to run: the variables that size its pages
// are known then, and nothing of it has run (operation-limits.mjs).
function operationCost({ schema, document, variableValues }, operation) {
  if (!fixedCosts.has(schema)) fixedCosts.set(schema, new WeakMap());
  const ofSchema = fixedCosts.get(schema);
  const known = ofSchema.get(document)?.get(operation);
  if (known !== undefined) return known;
  const { estimated, readsVariables } = estimateCost(schema, document, operation, variableValues ?? {});
  if (!readsVariables) {
    if (!ofSchema.has(document)) ofSchema.set(document, new Map());
    ofSchema.get(document).set(operation, estimated);
  }
  return estimated;
}

// For the errors of a request's answer: the subgraph of each of its mutation fields, noted when it
// is executed; its parameters, for the one error whose message needs them (operationNotFound).
const requestWriters = new WeakMap();
const requestParams = new WeakMap();

const useStableErrors = () => ({
  // Runs after Yoga's own parsers (GET, JSON, form, application/graphql) have picked theirs; when
  // none took the request, Yoga answers HTTP 415 with an empty body. A POST must be JSON: a form,
  // application/graphql or text/plain is a CORS "simple request", which any website can make its
  // visitors' browsers send without a preflight (a sign-up, a login); JSON needs a preflight.
  // A GET is Yoga's, which refuses a mutation in one (HTTP 405).
  onRequestParse({ request, requestParser, setRequestParser }) {
    const tooLong = forwardedHeaderTooLong(request);
    if (tooLong) {
      setRequestParser(() => {
        throw badRequest(`The ${tooLong} header is longer than the router forwards (${MAX_FORWARDED_HEADER_LINE} bytes with its name)`, 431);
      });
    } else if (isJsonRequest(request)) setRequestParser(parseJsonBody);
    else if (request.method === 'GET' && requestParser) setRequestParser(readingGetParameters(requestParser));
    else setRequestParser(unsupportedMediaType);
  },
  onValidate({ addValidationRule }) {
    addValidationRule(operationTypesTheSupergraphHas);
    addValidationRule(literalsThePlannerReads);
  },
  onParse({ context }) {
    if (context.request) requestParams.set(context.request, context.params);
  },
  onExecute({ args, setResultAndStopExecution }) {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return; // execution answers that itself
    const refusal = costRefusal(operation, operationCost(args, operation), config.limits.max_cost);
    if (refusal) {
      setResultAndStopExecution({ errors: [refusal] });
      return;
    }
    const request = args.contextValue?.request;
    if (!request || operation.operation !== 'mutation') return;
    const fields = operation.selectionSet.selections.filter((selection) => selection.kind === Kind.FIELD);
    requestWriters.set(request, new Map(fields.map((f) => [(f.alias ?? f.name).value, mutationSubgraphs.get(f.name.value)])));
  },
  onResultProcess({ request, result, setResult, serverContext }) {
    const writers = requestWriters.get(request);
    for (const single of [result].flat()) {
      if (!single?.errors) continue;
      single.errors = single.errors.map((error) =>
        error.extensions?.code === 'OPERATION_RESOLUTION_FAILURE' && requestParams.has(request)
          ? operationNotFound(error, requestParams.get(request))
          : maskedForClient(error, serverContext.log, writers),
      );
      for (const error of single.errors) {
        if (error?.extensions) giveStableCode(error);
      }
    }
    // An error raised in executing (it has a path) that reached the root leaves `data` null: the
    // query planner's runtime drops it, and an answer without `data` says the request was never
    // executed (GraphQL spec, "Response"), which a failed mutation was.
    if (!Array.isArray(result) && result?.errors?.some((error) => error.path) && !('data' in result)) {
      setResult({ data: null, ...result });
    }
  },
});

// Example operations, preloaded as a collection in Hive Laboratory's sidebar (Laboratory keeps
// its collections in the browser's storage, so later visits show what the user made of them).
// Orders and payments need a login: run "Log in" first and put its token in the Headers tab.
const WITH_TOKEN = { Authorization: 'Bearer PASTE_THE_TOKEN_FROM_LOG_IN' };
const exampleOperation = (id, name, description, query, variables = {}, headers = WITH_TOKEN) => ({
  id,
  name,
  description,
  query,
  variables: JSON.stringify(variables, null, 2),
  headers: JSON.stringify(headers, null, 2),
  extensions: '{}',
  createdAt: '2026-01-01T00:00:00.000Z',
});
const LABORATORY_EXAMPLES = [
  {
    id: 'supergraph-examples',
    name: 'Supergraph examples',
    createdAt: '2026-01-01T00:00:00.000Z',
    operations: [
      exampleOperation('log-in', 'Log in', 'A token for the other operations; ada.lovelace1 is the demo data\'s staff user.', `mutation LogIn($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    token
    expiresAt
    user { username fullName }
  }
}`, { username: 'ada.lovelace1', password: 'supergraph-demo' }, {}),
      exampleOperation('orders', 'Orders with customers and payment status', 'One request, answered by all three services.', `query Orders {
  orders(pagination: { limit: 10 }) {
    id
    total
    currency
    user { fullName username }
    items { name quantity }
    paymentStatus
  }
}`),
      exampleOperation('order', 'One order with its payments', 'Amounts paid and due come from the payments service.', `query Order($id: ID!) {
  order(id: $id) {
    id
    status
    total
    items { name quantity unitPrice }
    payments { amount method status }
    amountPaid
    amountDue
    paymentStatus
  }
}`, { id: '1' }),
      exampleOperation('create-order', 'Place an order', 'The orders service checks the user with the users service first.', `mutation CreateOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    id
    total
    user { fullName }
  }
}`, { input: { userId: '1', currency: 'EUR', items: [{ sku: 'KB-001', name: 'Mechanical keyboard', quantity: 1, unitPrice: '89.90' }] } }),
      exampleOperation('pay-order', 'Pay an order', 'Use a new idempotencyKey per payment attempt: sending one again returns the same payment.', `mutation PayOrder($input: PayOrderInput!) {
  payOrder(input: $input) {
    id
    amount
    order { id amountDue paymentStatus }
  }
}`, { input: { orderId: '1', amount: '10.00', method: 'CARD', idempotencyKey: 'example-attempt-1' } }),
    ],
  },
];

export const gatewayConfig = defineConfig({
  host: config.listen.host,
  port: config.listen.port,
  supergraph: readSupergraph(config.supergraph),
  pollingInterval: SUPERGRAPH_POLL_MS,
  // A request in flight when a changed supergraph comes in finishes with the one it started with:
  // without this its subgraph calls were aborted (SCHEMA_RELOAD), a mutation's with its outcome unknown.
  gracefulSchemaReload: { drainTimeout: config.limits.subgraph_timeout_ms + 1000 },
  // Rust query planner instead of the default JS one.
  unifiedGraphHandler,
  transportEntries: {
    // Hive Gateway sends identical subgraph queries in flight at once only once, and so deep-copies
    // (structuredClone) every query answer from a subgraph, shared or not: 3 ms a request at 1,000
    // orders, 10-20% of the router's CPU at 100. Sharing needs the same headers, traceparent
    // included, so traced clients never share; off.
    '*.http': { options: { deduplicateInflightRequests: false } },
    // Per-subgraph URL overrides: merged over the join__graph url from the supergraph.
    ...Object.fromEntries(Object.entries(config.subgraphs ?? {}).map(([name, { url }]) => [name, { location: url }])),
  },
  // CORS headers for the listed origins only. Yoga's own list answers any other origin with
  // "Access-Control-Allow-Origin: null", which a sandboxed iframe's origin ("null") matches, and
  // allows credentials, which bearer tokens do not need; and an empty list means "every origin".
  cors: (request) => (allowedOrigins.has(request.headers.get('origin')) ? CORS_FOR_LISTED_ORIGINS : false),
  propagateHeaders: {
    // Absent headers come back as null, which Hive Gateway skips: only present headers are sent.
    fromClientToSubgraphs: ({ request }) => Object.fromEntries(propagate.map((h) => [h, request.headers.get(h)])),
  },
  // Hive Gateway's own gives any X-Request-ID a client sends to the subgraphs: useRequestId instead.
  requestId: false,
  plugins: () => [
    useRequestId(),
    useConnectionCloseWhileDraining(),
    useBearerTokens({
      keyFor: jwksKeys(config.auth.jwks_url),
      // RS256 only: no `none`, no HMAC algorithms keyed by a public key.
      verification: { algorithms: ['RS256'], issuer: config.auth.issuer, audience: config.auth.audience },
    }),
    useSubgraphTimeout(config.limits.subgraph_timeout_ms),
    useHmacSignature(secret),
    useStableErrors(),
    ...(allowedOrigins.size ? [useVaryOnOrigin()] : []),
    ...(config.graphiql ? [useLaboratoryDelivery()] : []),
  ],
  // graphql-armor's limits; check-operation-limits.mjs applies the same rules (operation-limits.mjs)
  // to operations before they come.
  maxDepth: config.limits.max_depth,
  maxTokens: config.limits.max_tokens,
  // Options for the CLI's default renderer, Hive Laboratory; the legacy CDN GraphiQL stays off.
  graphiql: config.graphiql && { title: 'Django Supergraph', defaultCollections: LABORATORY_EXAMPLES },
  renderLegacyGraphiQL: false,
  // The supergraph has no subscriptions, and GraphQL over WebSocket would skip the checks of an
  // HTTP request (useBearerTokens, useStableErrors): only HTTP is served.
  disableWebsockets: true,
  // Hiding the schema also means no "Did you mean ...?" hints that would leak field names.
  disableIntrospection: !config.introspection,
  blockFieldSuggestions: !config.introspection,
  // Errors are masked by useStableErrors (maskedForClient), which logs them with the request's id.
  maskedErrors: { maskError: (error) => error },
  readinessCheckEndpoint: '/readiness',
  // On SIGTERM the router stops taking connections and lets the requests in flight finish, for as
  // long as a subgraph call may take and a second more; then it closes what is left and exits.
  gracefulShutdownTimeout: config.limits.subgraph_timeout_ms + 1000,
  // Prometheus metrics at metrics.path: requests, latency and errors per operation type, time and errors per
  // subgraph call. Off: the costlier defaults (a per-request scan for deprecated fields, summaries,
  // per-phase timings, per-URL labels, a second per-fetch histogram).
  prometheus: config.metrics.enabled
    ? {
        endpoint: config.metrics.path,
        // No label a client chooses (an operation's name, an error's path of aliases): each new value
        // is a series the router keeps for good, so random names would fill its memory. Per
        // operation, the subgraphs' metrics count the first 200 names (federation_kit.observability).
        labels: { url: false, operationName: false, path: false },
        metrics: {
          graphql_envelop_deprecated_field: false,
          graphql_envelop_request_time_summary: false,
          graphql_envelop_phase_parse: false,
          graphql_envelop_phase_validate: false,
          graphql_envelop_phase_context: false,
          graphql_envelop_phase_execute: false,
          graphql_envelop_phase_subscribe: false,
          graphql_gateway_fetch_duration: false,
        },
      }
    : undefined,
});
