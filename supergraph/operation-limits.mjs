// The router's limits on an operation (router-config.yaml `limits`), as the router applies them:
// its own cost rule, which gateway.config.mjs adds to Hive Gateway's validation, and the
// graphql-armor rules behind Hive Gateway's `maxDepth` and `maxTokens` options. `limitsExceeded`
// runs all three on one document, for checking operations before they reach a router
// (check-operation-limits.mjs).
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { getNamedType, GraphQLError, isCompositeType, isInterfaceType, isObjectType, Kind, print, validate } from 'graphql';
import { costWeight } from './router-config.mjs';

// Operation cost: 1 for each field that returns an object, plus the field's @cost weight from its
// subgraph's schema (a password hash: 1,000), fragments counted where they are spread. An operation
// over limits.max_cost is refused before any of it runs. Not Hive Gateway's `demandControl`: it
// counts per subgraph call as the calls go, so a mutation's earlier calls have run when a later one
// is refused, and it costs every request; a validation rule runs once per document (Yoga caches it).
export const costWithinLimit = (maxCost) => (context) => {
  const schema = context.getSchema();
  const fragments = new Map(context.getDocument().definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const fragmentCosts = new Map();
  const selectionCost = (selectionSet, parentType, spreading) => {
    let total = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        if (!field) continue; // a meta field (__typename, __schema, __type) or an unknown one: no cost
        const type = getNamedType(field.type);
        total += costWeight(field.astNode) + (isCompositeType(type) ? 1 + selectionCost(selection.selectionSet, type, spreading) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        total += selectionCost(selection.selectionSet, type, spreading);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || spreading.has(name)) continue; // unknown or cyclic: other rules refuse those
        if (!fragmentCosts.has(name)) {
          spreading.add(name);
          fragmentCosts.set(name, selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), spreading));
          spreading.delete(name);
        }
        total += fragmentCosts.get(name);
      }
    }
    return total;
  };
  return {
    OperationDefinition(node) {
      const estimated = selectionCost(node.selectionSet, schema.getRootType(node.operation), new Set());
      if (estimated > maxCost) {
        const message = `The operation's estimated cost, ${estimated}, is over the router's limit of ${maxCost}`;
        context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated, max: maxCost } } }));
      }
    },
  };
};

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
  for (const error of validate(schema, document, [costWithinLimit(limits.max_cost)])) {
    exceeded.push({ key: 'max_cost', message: error.message });
  }
  return exceeded;
}
