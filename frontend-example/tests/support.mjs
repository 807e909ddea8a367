// What the browser tests run against: the real stack (stack_for_browser.py), the app built
// for its router and served by `vite preview`, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

const FRONTEND_DIR = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = process.env.STACK_PYTHON ?? fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RESULTS_DIR = join(FRONTEND_DIR, 'test-results');

/**
 * The services and the router on free ports, allowing the app's origin. Resolves once all are
 * ready, to their URLs (`app`: where to serve the app), stop(), and stopService(name) and
 * restartService(name) for a test of an outage. The stack also stops when this process dies: its
 * stdin closes.
 */
export async function startStack() {
  const child = spawn(PYTHON, [join(FRONTEND_DIR, 'tests', 'stack_for_browser.py')], { stdio: 'pipe' });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  child.on('error', (error) => (log += error));
  // The URLs, then an answer to each command (stack_for_browser.py).
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  async function nextLine() {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the stack stopped:\n${log}`);
    return value;
  }
  async function command(line) {
    child.stdin.write(`${line}\n`);
    await nextLine();
  }
  const urls = JSON.parse(await nextLine());
  async function stop() {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    await once(child, 'exit');
  }
  return {
    urls,
    stop,
    stopService: (name) => command(`stop ${name}`),
    restartService: (name) => command(`restart ${name}`),
  };
}

/** Builds the app for `routerUrl`, as `VITE_ROUTER_URL=... npm run build` does, and serves it. */
export async function serveApp(routerUrl, appUrl) {
  const outDir = mkdtempSync(join(tmpdir(), 'frontend-dist-'));
  process.env.VITE_ROUTER_URL = routerUrl; // Vite takes VITE_* variables from the environment first
  await build({ root: FRONTEND_DIR, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({
    root: FRONTEND_DIR,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: Number(new URL(appUrl).port), strictPort: true },
  });
  async function close() {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  return { url: `${appUrl}/`, close };
}

export function launchChromium() {
  // Headless, and a fresh temporary profile, as every playwright launch() is.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function isOnThisMachine(url) {
  const { protocol, hostname } = new URL(url);
  return protocol === 'data:' || protocol === 'blob:' || ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

/**
 * Runs `body(page, requested)` on a fresh page, `requested` being every URL the page asked for;
 * on failure, leaves a screenshot in test-results/ for a person to look at.
 */
export async function withPage(browser, t, body) {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requested = [];
  page.on('request', (request) => requested.push(request.url()));
  try {
    await body(page, requested);
  } catch (error) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: join(RESULTS_DIR, `${t.name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
    throw error;
  } finally {
    await context.close();
  }
}

/** A request to the router from outside the browser, to set up or check what the page shows. */
export async function graphql(url, query, variables = {}, token = null) {
  const headers = { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) };
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Every demo user's password (federation_kit.demo). */
export const DEMO_PASSWORD = 'supergraph-demo';

export async function tokenFor(url, username) {
  const { login } = await graphql(url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
    u: username,
    p: DEMO_PASSWORD,
  });
  return login.token;
}
