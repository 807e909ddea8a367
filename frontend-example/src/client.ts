import { type CombinedError, Client, cacheExchange, fetchExchange, mapExchange } from 'urql';

/** The router: the app's only backend. VITE_ROUTER_URL (at dev or build time) points elsewhere. */
const ROUTER_URL = import.meta.env.VITE_ROUTER_URL || 'http://127.0.0.1:4000/graphql';

function isUnauthenticated(error: CombinedError): boolean {
  return error.response?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

/**
 * A client for one session: a new login gets a new client, so no answer cached for one user is
 * shown to another. The router refusing the token (expired, keys rotated) ends the session.
 */
export function createRouterClient(token: string | null, onSessionEnded: () => void): Client {
  return new Client({
    url: ROUTER_URL,
    fetchOptions: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
    exchanges: [
      mapExchange({
        onError(error) {
          if (token && isUnauthenticated(error)) onSessionEnded();
        },
      }),
      // The document cache: a mutation whose answer holds an Order refetches every query showing one.
      cacheExchange,
      fetchExchange,
    ],
  });
}
