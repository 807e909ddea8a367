// The router's check of `Authorization: Bearer <token>`: an RS256 JWT the users service signed, with
// a key it publishes in its JWKS. A bad token is refused before any subgraph sees the request; the
// subgraphs check it again (federation_kit.tokens), and this check mirrors theirs: the same claims,
// the same key cache (5 minutes), refetch cooldown (5 s) and timeout (3 s).
//
// In place of Hive Gateway's JWT plugin, which verified the signature on every request, answered a
// token whose key id the JWKS lacks with HTTP 500 (and fetched the JWKS again for each one), and
// copied the claims into every subgraph request, where nothing reads them. Here a verified token is
// kept for a minute at most, never past its expiry, as the subgraphs keep theirs: 12-14% of the
// router's CPU at N=1 (bench/router_ab.py).
import { createPublicKey } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { GraphQLError } from 'graphql';
import jsonwebtoken from 'jsonwebtoken';

const KEYS_KEPT_MS = 5 * 60_000;
const REFETCH_COOLDOWN_MS = 5_000;
const FETCH_TIMEOUT_MS = 3_000;
const MAX_JWKS_BYTES = 1024 * 1024;
const VERIFIED_FOR_MS = 60_000;
const MAX_VERIFIED_TOKENS = 10_000;
const MAX_KID_LENGTH = 256;
// Seconds by which the router's clock may run behind or ahead of the users service's, as the
// subgraphs allow (federation_kit.tokens.CLOCK_LEEWAY): a token is used as soon as it is issued.
const CLOCK_LEEWAY_S = 5;

// Every 401 says how to authenticate (RFC 7235 §3.1): with a bearer token, and, where one was sent
// and refused, that it is invalid (RFC 6750 §3.1); which check failed is the message's to say.
// Yoga answers the headers of extensions.http, and leaves them out of the body.
const BEARER_CHALLENGE = 'Bearer';
const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';
const unauthenticated = (message, challenge = INVALID_TOKEN_CHALLENGE) =>
  new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': challenge } } },
  });
const keysUnavailable = () =>
  new GraphQLError('The users service, whose keys check tokens, is unavailable: retry later', {
    extensions: { code: 'DEPENDENCY_UNAVAILABLE', http: { status: 503 } },
  });

// The token of `Authorization: Bearer <token>`, the scheme in any case (RFC 9110), as the subgraphs
// read it; any other Authorization header is refused, with no error code in its challenge: no
// bearer token was sent (RFC 6750 §3.1).
function bearerToken(request) {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const token = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme.toLowerCase() !== 'bearer' || !token) {
    throw unauthenticated("The Authorization header must be 'Bearer <token>', with a token from Mutation.login", BEARER_CHALLENGE);
  }
  return token;
}

// The JSON document at `url`, or an error: not HTTP 200 (a redirect included), over MAX_JWKS_BYTES,
// or not whole within `timeoutMs`, body included. node:http rather than fetch: Node's fetch
// (undici) would load ~16 MiB into the router, which has no other use for it.
function getJson(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const request = get(url, { signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      if (response.statusCode !== 200 || Number(response.headers['content-length']) > MAX_JWKS_BYTES) {
        request.destroy();
        reject(new Error(`HTTP ${response.statusCode}, ${response.headers['content-length']} bytes`));
        return;
      }
      const chunks = [];
      let size = 0;
      response.on('data', (chunk) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) request.destroy(new Error(`over ${MAX_JWKS_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
      response.on('close', () => reject(new Error('the answer ended early')));
    });
    request.on('error', reject);
  });
}

// The RS256 signature keys of a JWKS, by key id. A JWK with private members (`d`) is skipped: a JWKS
// must never publish one, and createPublicKey would quietly take its public half.
function signatureKeys(jwks) {
  const keys = new Map();
  for (const jwk of Array.isArray(jwks?.keys) ? jwks.keys : []) {
    const usable = jwk?.kty === 'RSA' && typeof jwk.kid === 'string' && (jwk.use ?? 'sig') === 'sig' && (jwk.alg ?? 'RS256') === 'RS256';
    if (!usable || 'd' in jwk) continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      // not a valid RSA public key: as if it were not there
    }
  }
  return keys;
}

// The users service's keys by key id, from its JWKS: fetched when first needed, again once 5 minutes
// old (a key removed from the JWKS is then trusted no longer), and for a key id they lack (a new key
// after a rotation) at most once per cooldown, so made-up key ids cannot make requests fetch. A
// failed fetch (no answer in time, not 200, no usable key) keeps the keys in hand: while the users
// service is down, the tokens it issued stay good, and a refetch is tried once per cooldown without
// holding up the request. Requests share one fetch.
export function jwksKeys(url, { keptMs = KEYS_KEPT_MS, cooldownMs = REFETCH_COOLDOWN_MS, timeoutMs = FETCH_TIMEOUT_MS } = {}) {
  let keys = new Map();
  let fetchedAt = -Infinity; // the last fetch that succeeded
  let triedAt = -Infinity; // the last fetch, whatever came of it
  let failed = false; // whether the last fetch failed
  let fetching = null;

  const fetchKeys = async () => {
    triedAt = performance.now();
    try {
      const fetched = signatureKeys(await getJson(url, timeoutMs));
      if (!fetched.size) throw new Error('no RS256 signature key');
      keys = fetched;
      fetchedAt = performance.now();
      failed = false;
    } catch {
      failed = true;
    } finally {
      fetching = null;
    }
  };
  const refetch = () => (fetching ??= fetchKeys());

  return async (kid) => {
    const now = performance.now();
    if (keys.has(kid) && now - fetchedAt <= keptMs) return keys.get(kid);
    if (fetching || now - triedAt >= cooldownMs) {
      if (failed && keys.has(kid)) refetch();
      else await refetch();
    }
    if (keys.has(kid)) return keys.get(kid);
    if (failed) throw keysUnavailable(); // the key may be new: the JWKS could not say
    throw unauthenticated('The token is not signed by a key of the users service: log in again');
  };
}

// Claims the subgraphs require (federation_kit.tokens, with PyJWT): jsonwebtoken checks `exp`, `nbf`,
// `iss` and `aud` when present. A user is named by their id in decimal, as the users service issues
// it: the services' rule (federation_kit.tokens.USER_ID).
const USER_ID = /^[1-9][0-9]{0,17}$/;

function checkClaims({ exp, iat, sub, staff }) {
  if (typeof exp !== 'number') throw unauthenticated('The token has no expiry: log in again');
  if (typeof iat !== 'number' || iat > Date.now() / 1000 + CLOCK_LEEWAY_S) throw unauthenticated('The token has no valid issue time: log in again');
  if (typeof sub !== 'string' || !USER_ID.test(sub)) throw unauthenticated('The token names no user: log in again');
  if (staff !== undefined && typeof staff !== 'boolean') throw unauthenticated('The token has no valid staff claim: log in again');
}

export function useBearerTokens({ keyFor, verification }) {
  const verifyOptions = { ...verification, clockTolerance: CLOCK_LEEWAY_S };
  const verifiedUntil = new Map();
  const remember = (token, until) => {
    if (verifiedUntil.size >= MAX_VERIFIED_TOKENS) {
      const now = Date.now();
      for (const [kept, keptUntil] of verifiedUntil) if (keptUntil <= now) verifiedUntil.delete(kept);
      if (verifiedUntil.size >= MAX_VERIFIED_TOKENS) verifiedUntil.clear();
    }
    verifiedUntil.set(token, until);
  };
  const verify = async (token) => {
    let header;
    try {
      header = jsonwebtoken.decode(token, { complete: true })?.header;
    } catch {
      header = null; // a payload that is not JSON
    }
    if (!header) throw unauthenticated('The token is not a JWT: log in again');
    const { kid } = header;
    if (typeof kid !== 'string' || !kid || kid.length > MAX_KID_LENGTH) {
      throw unauthenticated('The token names no key of the users service: log in again');
    }
    const key = await keyFor(kid);
    let claims;
    try {
      claims = jsonwebtoken.verify(token, key, verifyOptions);
    } catch (error) {
      throw unauthenticated(`The token is not valid (${error.message}): log in again`);
    }
    checkClaims(claims);
    remember(token, Math.min(Date.now() + VERIFIED_FOR_MS, claims.exp * 1000));
  };
  return {
    onRequestParse({ request }) {
      const token = bearerToken(request);
      if (!token) return undefined; // anonymous: the subgraphs decide what anonymous may see
      if (verifiedUntil.get(token) > Date.now()) return undefined;
      verifiedUntil.delete(token);
      return verify(token);
    },
  };
}
