/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The router's GraphQL URL; default http://127.0.0.1:4000/graphql. */
  readonly VITE_ROUTER_URL?: string;
}
