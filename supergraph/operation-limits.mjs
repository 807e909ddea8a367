// The router's limits on an operation (router-config.yaml `limits`), as the router applies them:
// its own cost estimate, which gateway.config.mjs checks before each operation runs, and the
// graphql-armor rules behind Hive Gateway's `maxDepth` and `maxTokens` options. `limitsExceeded`
// runs all three on one document, for checking operations before they reach a router
// (check-operation-limits.mjs).
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { getNamedType, getOperationAST, GraphQLError, isCompositeType, isInterfaceType, isObjectType, Kind, print, validate } from 'graphql';
import { costWeight } from './router-config.mjs';

// Operation cost: about how many objects the operation has the subgraphs read. Each field that
// returns an object counts 1 for each object, plus the field's @cost weight from its subgraph's
// schema (a password hash: 15,000); fragments count where they are spread. A list field with
// @listSize returns as many objects as its `pagination.limit`, or its assumedSize without one (a
// paginated list's default page; the most a bounded list holds: an order's 100 items, its 20
// payments), and its fields count once for each: `orders(pagination: {limit: 500}) { user { id } }`
// costs 500 x 2, and a list in each of its objects multiplies again. A list without @listSize
// counts as one object (federation_kit.pagination.list_size says which lists may go without).
// A limit given by a variable is read from the request's variables (the variable's default
// without one): the estimate is made per request, before any of the operation runs, and kept per
// document when no variable is read. Not Hive Gateway's `demandControl`: it counts per subgraph
// call as the calls go, so a mutation's earlier calls have run when a later one is refused.
//
// `pagination.limit` is read here rather than named in @listSize(slicingArguments:): the spec's
// slicing arguments are top-level arguments, and the composition refuses "pagination.limit".

const MAX_INT = 2 ** 31 - 1;

// The objects a list field returns: 1 without @listSize; with it, the `pagination.limit` asked for,
// or its assumedSize when none is given (a paginated list's default page, another list's most).
function listSize(field, selection, valueOf) {
  const directive = field.astNode?.directives?.find((d) => d.name.value === 'listSize');
  if (!directive) return 1;
  const assumed = directive.arguments.find((a) => a.name.value === 'assumedSize')?.value;
  const assumedSize = assumed?.kind === Kind.INT ? Number(assumed.value) : 1;
  const pagination = valueOf(selection.arguments?.find((a) => a.name.value === 'pagination')?.value);
  if (pagination === null || pagination === undefined) return assumedSize;
  // A pagination that is no object, or a limit that is no Int (a string, a float, over 32 bits),
  // is refused by the coercion of the variables before anything runs, as BAD_USER_INPUT naming
  // it: it costs nothing here.
  if (typeof pagination !== 'object' || Array.isArray(pagination)) return 0;
  const { limit } = pagination;
  if (limit === null || limit === undefined) return assumedSize;
  return Number.isInteger(limit) && Math.abs(limit) <= MAX_INT ? Math.max(limit, 0) : 0;
}

/**
 * The estimated cost of `operation` (an OperationDefinitionNode of `document`) with `variables`
 * (the request's, uncoerced; {} for none): { estimated, readsVariables }. readsVariables says
 * whether a variable's value entered the estimate, i.e. whether another request with the same
 * document may cost otherwise.
 */
export function estimateCost(schema, document, operation, variables) {
  let readsVariables = false;
  const defaults = new Map(
    (operation.variableDefinitions ?? []).filter((d) => d.defaultValue).map((d) => [d.variable.name.value, d.defaultValue]),
  );
  // The JavaScript value of an argument's AST, its variables read from the request.
  const valueOf = (node) => {
    if (!node) return undefined;
    switch (node.kind) {
      case Kind.VARIABLE: {
        readsVariables = true;
        const name = node.name.value;
        return Object.hasOwn(variables, name) ? variables[name] : valueOf(defaults.get(name));
      }
      case Kind.INT:
        return Number(node.value);
      case Kind.OBJECT:
        return Object.fromEntries(node.fields.map((f) => [f.name.value, valueOf(f.value)]));
      default:
        return undefined; // nothing else sizes a page
    }
  };
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const fragmentCosts = new Map();
  const spreading = new Set();
  const selectionCost = (selectionSet, parentType) => {
    let total = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        if (!field) continue; // a meta field (__typename, __schema, __type) or an unknown one: no cost
        const type = getNamedType(field.type);
        total += costWeight(field.astNode);
        if (isCompositeType(type)) total += listSize(field, selection, valueOf) * (1 + selectionCost(selection.selectionSet, type));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        total += selectionCost(selection.selectionSet, type);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || spreading.has(name)) continue; // unknown or cyclic: validation refuses those
        if (!fragmentCosts.has(name)) {
          spreading.add(name);
          fragmentCosts.set(name, selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value)));
          spreading.delete(name);
        }
        total += fragmentCosts.get(name);
      }
    }
    return total;
  };
  const estimated = selectionCost(operation.selectionSet, schema.getRootType(operation.operation));
  return { estimated, readsVariables };
}

/** The error refusing an operation whose estimated cost is over `maxCost`, or null. */
export function costRefusal(operation, estimated, maxCost) {
  if (estimated <= maxCost) return null;
  const message = `The operation's estimated cost, ${estimated}, is over the router's limit of ${maxCost}`;
  // As Yoga's validation errors: HTTP 400 for application/graphql-response+json, 200 for application/json.
  const http = { status: 400, spec: true };
  return new GraphQLError(message, { nodes: [operation], extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated, max: maxCost }, http } });
}

// The armor rules refuse with "Syntax Error: ..." (so that graphql-yoga answers them as it answers
// a parse error); nothing in the document is wrong in that sense.
const withoutSyntaxErrorPrefix = (message) => message.replace(/^Syntax Error: /, '');

// Tokens as the armor parser counts them (comments and commas are not tokens), for the message:
// the limit's own error says only that it was exceeded.
function tokenCount(text) {
  const parser = new MaxTokensParserWLexer(text, { n: Infinity });
  parser.parseDocument();
  return parser.tokenCount;
}

/**
 * The router's limits that `document` (one operation and the fragments it uses, as a client sends
 * it) exceeds: [{ key: 'max_depth' | 'max_tokens' | 'max_cost', message }], empty when the router
 * takes it. `limits` is router-config.yaml's; `schema` the supergraph's, built by this module's
 * graphql (the rules' instanceof checks need the same copy).
 */
export function limitsExceeded(schema, document, limits) {
  const exceeded = [];
  // The router parses the document's text with the armor parser: Hive Gateway's maxTokens is
  // maxTokensPlugin({ n }), which replaces graphql-js's parse.
  const text = print(document);
  try {
    new MaxTokensParserWLexer(text, { n: limits.max_tokens }).parseDocument();
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    exceeded.push({ key: 'max_tokens', message: `${withoutSyntaxErrorPrefix(error.message)} The document has ${tokenCount(text)} tokens.` });
  }
  // Hive Gateway's maxDepth is maxDepthPlugin({ n }), which adds this rule; it throws its error.
  try {
    validate(schema, document, [maxDepthRule({ n: limits.max_depth })]);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    exceeded.push({ key: 'max_depth', message: withoutSyntaxErrorPrefix(error.message) });
  }
  // Without the request's variables, a page size from a variable counts as its default, or the
  // field's assumedSize: the router counts the values each request sends.
  const operation = getOperationAST(document);
  const refusal = operation && costRefusal(operation, estimateCost(schema, document, operation, {}).estimated, limits.max_cost);
  if (refusal) exceeded.push({ key: 'max_cost', message: refusal.message });
  return exceeded;
}
