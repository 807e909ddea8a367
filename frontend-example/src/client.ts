import { Client, cacheExchange, fetchExchange } from 'urql';

/** The router: the app's only backend. VITE_ROUTER_URL (at dev or build time) points elsewhere. */
export const ROUTER_URL = import.meta.env.VITE_ROUTER_URL || 'http://127.0.0.1:4000/graphql';

// urql's document cache: a mutation whose answer holds an Order refetches every query showing one.
export const client = new Client({ url: ROUTER_URL, exchanges: [cacheExchange, fetchExchange] });
