// The app, the router's explorer and a subgraph's GraphiQL in Chromium, against the real stack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { DEMO_PASSWORD, graphql, isOnThisMachine, launchChromium, serveApp, startStack, tokenFor, withPage } from './support.mjs';

const STATUS_LABELS = { UNPAID: 'Unpaid', PARTIALLY_PAID: 'Partially paid', PAID: 'Paid', REFUNDED: 'Refunded' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ORDERS = '{ orders(pagination: {limit: 10}) { id total currency user { fullName } paymentStatus } }';
const CREATE_ORDER = 'mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }';
const SESSION_ENDED = 'Your session has ended. Please log in again.';
const money = (amount, currency) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(Number(amount));

let stack;
let app;
let browser;
let staff; // the demo data's staff user, who sees every order
let customer; // a demo customer, who sees their own orders only

before(async () => {
  stack = await startStack();
  app = await serveApp(stack.urls.router, stack.urls.app);
  browser = await launchChromium();
  const { users } = await graphql(stack.urls.router, '{ users(pagination: {limit: 2}) { id username fullName } }');
  [staff, customer] = users;
});

after(async () => {
  await browser?.close();
  await app?.close();
  await stack?.stop();
});

// A fresh token each time: the test stack's last a minute.
const tokenOf = (user) => tokenFor(stack.urls.router, user.username);

async function logIn(page, user, password = DEMO_PASSWORD) {
  await page.goto(`${app.url}#/orders`);
  await logInHere(page, user, password);
}

/** On the login page shown in place of the page asked for, which follows the login. */
async function logInHere(page, user, password = DEMO_PASSWORD) {
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** The session the app keeps: its token, the user, and when it ends by the page's clock (endsAt). */
const storedSession = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('supergraph-shop.session')));

async function fillNewOrder(page, { userId, items }) {
  await page.goto(`${app.url}#/orders/new`);
  if (userId) await page.getByLabel('Customer ID').fill(userId);
  for (const [index, item] of items.entries()) {
    if (index > 0) await page.getByRole('button', { name: 'Add item' }).click();
    const n = index + 1;
    await page.getByLabel(`Item ${n} sku`).fill(item.sku);
    await page.getByLabel(`Item ${n} product`).fill(item.name);
    await page.getByLabel(`Item ${n} quantity`).fill(String(item.quantity));
    await page.getByLabel(`Item ${n} unit price`).fill(item.unitPrice);
  }
}

async function orderRows(page) {
  const rows = page.locator('tbody tr');
  await rows.first().waitFor();
  return rows.allInnerTexts();
}

describe('orders app', () => {
  test('a wrong password is refused; a customer sees their own orders only', (t) =>
    withPage(browser, t, async (page) => {
      await logIn(page, customer, 'not-the-password');
      await page.getByText('Wrong username or password.').waitFor();

      await logIn(page, customer);
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      const { orders } = await graphql(stack.urls.router, ORDERS, {}, await tokenOf(customer));
      const rows = await orderRows(page);
      assert.ok(orders.length > 0, 'the demo customer has orders');
      assert.equal(rows.length, orders.length);
      assert.ok(rows.every((row) => row.includes(customer.fullName)), rows.join('\n'));
    }));

  test('the orders page shows names, totals and payment statuses from all three services', (t) =>
    withPage(browser, t, async (page) => {
      const { orders } = await graphql(stack.urls.router, ORDERS, {}, await tokenOf(staff));
      assert.ok(new Set(orders.map((o) => o.paymentStatus)).size > 1, 'the demo orders have several payment statuses');
      assert.ok(new Set(orders.map((o) => o.user.fullName)).size > 1, 'the demo orders have several customers');

      await logIn(page, staff);
      const rows = await orderRows(page);
      assert.equal(rows.length, 10);
      orders.forEach((order, i) => {
        for (const expected of [`#${order.id}`, order.user.fullName, money(order.total, order.currency), STATUS_LABELS[order.paymentStatus]]) {
          assert.ok(rows[i].includes(expected), `row ${i + 1} shows ${expected}: ${rows[i]}`);
        }
      });

      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('link', { name: '#11', exact: true }).waitFor();
      assert.match(page.url(), /page=2/);
    }));

  test('a page past the last, however far, shows no orders and no error; a page that is no number shows the first', (t) =>
    withPage(browser, t, async (page) => {
      await logIn(page, staff);
      await orderRows(page);
      await page.goto(`${app.url}#/orders?page=300000000`);
      await page.getByText('No orders on this page.').waitFor();
      await page.getByText('Page 300000000').waitFor();
      assert.equal(await page.getByRole('alert').count(), 0);

      await page.goto(`${app.url}#/orders?page=last`);
      await page.getByRole('link', { name: '#1', exact: true }).waitFor();
      await page.getByText('Page 1', { exact: true }).waitFor();
    }));

  test('a customer places an order, pays it in full and sees it paid', (t) =>
    withPage(browser, t, async (page) => {
      await logIn(page, customer);
      await fillNewOrder(page, {
        items: [
          { sku: 'KB-001', name: 'Mechanical keyboard', quantity: 2, unitPrice: '89.90' },
          { sku: 'CB-005', name: 'USB-C cable', quantity: 1, unitPrice: '9.99' },
        ],
      });
      assert.equal(await page.getByLabel('Customer ID').inputValue(), customer.id, 'for themselves by default');
      await page.getByText('Total €189.79').waitFor();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/#\/orders\/\d+$/);
      const heading = page.getByRole('heading', { level: 1 });
      await heading.getByText('Unpaid').waitFor();

      const payment = page.waitForRequest((request) => request.postData()?.includes('mutation PayOrder'));
      await page.getByRole('button', { name: 'Pay €189.79' }).click();
      const { input } = JSON.parse((await payment).postData()).variables;
      assert.deepEqual({ amount: input.amount, method: input.method }, { amount: '189.79', method: 'CARD' });
      assert.match(input.idempotencyKey, UUID);

      await heading.getByText('Paid', { exact: true }).waitFor();
      await page.getByText('Nothing is due on this order.').waitFor();
      assert.equal(await page.locator('.side tbody tr').count(), 1, 'one payment listed');
    }));

  test("a customer's first order shows in their orders list, empty until then", (t) =>
    withPage(browser, t, async (page) => {
      const username = `first.order.${Date.now()}`;
      const { createUser } = await graphql(stack.urls.router, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
        input: { username, email: `${username}@example.com`, password: DEMO_PASSWORD, fullName: 'First Order' },
      });
      await logIn(page, { ...createUser, username });
      await page.getByText('No orders on this page.').waitFor();

      await page.locator('header nav').getByRole('link', { name: 'New order' }).click();
      await page.getByLabel('Item 1 sku').fill('WC-007');
      await page.getByLabel('Item 1 product').fill('Webcam');
      await page.getByLabel('Item 1 unit price').fill('59.95');
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/#\/orders\/\d+$/);
      const orderId = page.url().split('/').pop();

      await page.locator('header nav').getByRole('link', { name: 'Orders' }).click();
      await page.getByRole('link', { name: `#${orderId}`, exact: true }).waitFor();
    }));

  test('a cancelled order shows nothing due', (t) =>
    withPage(browser, t, async (page) => {
      const token = await tokenOf(customer);
      const items = [{ sku: 'KB-001', name: 'Mechanical keyboard', quantity: 1, unitPrice: '89.90' }];
      const { createOrder } = await graphql(stack.urls.router, CREATE_ORDER, { input: { userId: customer.id, currency: 'EUR', items } }, token);
      await graphql(stack.urls.router, 'mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: createOrder.id }, token);

      await logIn(page, customer);
      await page.goto(`${app.url}#/orders/${createOrder.id}`);
      await page.getByText('This order was cancelled; it cannot be paid.').waitFor();
      assert.deepEqual(await page.locator('.summary dt').allInnerTexts(), ['Total', 'Paid']);
    }));

  test('placing a draft again after a lost answer orders once; the next order and a changed draft get new keys', (t) =>
    withPage(browser, t, async (page) => {
      // The first CreateOrder reaches the router but its answer is lost; the third never gets there.
      const sent = []; // the input of every CreateOrder
      let lostAnswer;
      await page.route(`${stack.urls.router}**`, async (route) => {
        const body = route.request().postDataJSON();
        if (!body?.query?.includes('mutation CreateOrder')) return route.continue();
        sent.push(body.variables.input);
        if (sent.length === 3) return route.abort('connectionrefused');
        if (sent.length !== 1) return route.continue();
        lostAnswer = await (await route.fetch()).json();
        return route.abort('connectionreset');
      });
      const items = [{ sku: 'HB-002', name: 'USB hub', quantity: 1, unitPrice: '24.50' }];
      const unreachable = page.getByRole('alert').getByText('The shop could not be reached.');

      await logIn(page, customer);
      await fillNewOrder(page, { items });
      await page.getByRole('button', { name: 'Place order' }).click();
      await unreachable.waitFor();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/#\/orders\/\d+$/);
      assert.match(sent[0].idempotencyKey, UUID);
      assert.equal(sent[1].idempotencyKey, sent[0].idempotencyKey, 'the same draft, the same key');
      assert.equal(page.url().split('/').pop(), lostAnswer.data.createOrder.id, 'the order the lost answer was about');
      const { orders } = await graphql(stack.urls.router, '{ orders(pagination: {limit: 500}) { idempotencyKey } }', {}, await tokenOf(customer));
      assert.equal(orders.filter((o) => o.idempotencyKey === sent[0].idempotencyKey).length, 1);

      await fillNewOrder(page, { items });
      await page.getByRole('button', { name: 'Place order' }).click();
      await unreachable.waitFor();
      await page.getByLabel('Item 1 quantity').fill('2');
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/#\/orders\/\d+$/);
      assert.equal(sent.length, 4);
      assert.notEqual(sent[2].idempotencyKey, sent[0].idempotencyKey, 'the next order, a new key');
      assert.notEqual(sent[3].idempotencyKey, sent[2].idempotencyKey, 'a changed draft, a new key');
    }));

  test('the form checks its input before sending it', (t) =>
    withPage(browser, t, async (page, requested) => {
      await logIn(page, customer);
      await page.goto(`${app.url}#/orders/new`);
      await page.getByLabel('Customer ID').fill('');
      await page.getByLabel('Item 1 quantity').fill('0');
      await page.getByRole('button', { name: 'Place order' }).click();
      for (const message of ['Pick a customer, or type their numeric ID.', 'Enter the SKU.', 'Enter the product name.', 'A whole number from 1 to 10,000.']) {
        await page.getByText(message).waitFor();
      }
      assert.ok(!requested.some((url) => url.startsWith(stack.urls.router) && url.includes('CreateOrder')));
    }));

  test('removing an item takes its errors with it; the other items keep theirs', (t) =>
    withPage(browser, t, async (page) => {
      const invalid = () => page.locator('.items-editor input[aria-invalid="true"]').evaluateAll((inputs) => inputs.map((input) => input.getAttribute('aria-label')));
      await logIn(page, customer);
      await fillNewOrder(page, {
        items: [
          { sku: '', name: '', quantity: 1, unitPrice: '' },
          { sku: 'KB-001', name: 'Mechanical keyboard', quantity: 1, unitPrice: '89.90' },
          { sku: 'CB-005', name: 'USB-C cable', quantity: 0, unitPrice: '9.99' },
        ],
      });
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByText('Enter the SKU.').waitFor();
      assert.deepEqual(await invalid(), ['Item 1 sku', 'Item 1 product', 'Item 1 unit price', 'Item 3 quantity']);

      await page.getByRole('button', { name: 'Remove item 1' }).click();
      await page.getByText('Enter the SKU.').waitFor({ state: 'detached' });
      assert.deepEqual(await invalid(), ['Item 2 quantity']);
      assert.equal(await page.getByLabel('Item 2 sku').inputValue(), 'CB-005');
    }));

  test('a token that expires while an order is written: the draft is there after logging in again, and placed once', (t) =>
    withPage(browser, t, async (page) => {
      const sent = []; // the input of every CreateOrder
      page.on('request', (request) => {
        if (request.postData()?.includes('mutation CreateOrder')) sent.push(request.postDataJSON().variables.input);
      });
      await logIn(page, customer);
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      // The page's clock stands still, so the app does not see the token expire: the router does.
      await page.clock.setFixedTime(Date.now());
      await fillNewOrder(page, { items: [{ sku: 'MS-003', name: 'Wireless mouse', quantity: 3, unitPrice: '24.90' }] });
      // A real expiry: the test stack's tokens last a minute, and the router checks them by its own clock.
      const { token } = await storedSession(page);
      const expiresAt = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp * 1000;
      await setTimeout(expiresAt - Date.now());
      const refused = () => graphql(stack.urls.router, '{ orders(pagination: {limit: 1}) { id } }', {}, token).then(() => false, () => true);
      while (!(await refused())) {
        assert.ok(Date.now() < expiresAt + 30_000, 'the router refuses the token once it has expired');
        await setTimeout(500);
      }

      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByText(SESSION_ENDED).waitFor();
      await logInHere(page, customer);
      assert.equal(await page.getByLabel('Item 1 sku').inputValue(), 'MS-003');
      assert.equal(await page.getByLabel('Item 1 quantity').inputValue(), '3');
      await page.getByText('Total €74.70').waitFor();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.waitForURL(/#\/orders\/\d+$/);
      assert.equal(sent.length, 2);
      assert.equal(sent[1].idempotencyKey, sent[0].idempotencyKey, 'the same draft, the same key');
      const { orders } = await graphql(stack.urls.router, '{ orders(pagination: {limit: 500}) { idempotencyKey } }', {}, await tokenOf(customer));
      assert.equal(orders.filter((o) => o.idempotencyKey === sent[0].idempotencyKey).length, 1);
    }));

  test('the app ends a session when its token expires; the draft kept for that user is not shown to another', (t) =>
    withPage(browser, t, async (page) => {
      await page.clock.install();
      await logIn(page, customer);
      await fillNewOrder(page, { items: [{ sku: 'HB-002', name: 'USB hub', quantity: 1, unitPrice: '24.50' }] });
      const { endsAt } = await storedSession(page);
      await page.clock.fastForward(endsAt - (await page.evaluate(() => Date.now())) + 1000);
      await page.getByText(SESSION_ENDED).waitFor();

      await logInHere(page, staff);
      assert.equal(await page.getByLabel('Customer ID').inputValue(), staff.id);
      assert.equal(await page.getByLabel('Item 1 sku').inputValue(), '');
    }));

  test('server error codes are shown as messages for people', async (t) => {
    await t.test('USER_NOT_FOUND', (t) =>
      withPage(browser, t, async (page) => {
        await logIn(page, staff);
        await fillNewOrder(page, { userId: '99999', items: [{ sku: 'WC-007', name: 'Webcam', quantity: 1, unitPrice: '59.95' }] });
        await page.getByRole('button', { name: 'Place order' }).click();
        await page.getByText('There is no customer with this ID. Pick one from the list.').waitFor();
        assert.match(page.url(), /#\/orders\/new$/);
      }));

    await t.test('AMOUNT_EXCEEDS_DUE', (t) =>
      withPage(browser, t, async (page) => {
        const items = [{ sku: 'CB-005', name: 'USB-C cable', quantity: 1, unitPrice: '10.00' }];
        const { createOrder } = await graphql(stack.urls.router, CREATE_ORDER, { input: { userId: customer.id, currency: 'EUR', items } }, await tokenOf(customer));
        await logIn(page, customer);
        await page.goto(`${app.url}#/orders/${createOrder.id}`);
        await page.getByLabel('Amount (EUR)').fill('10.01');
        await page.getByRole('button', { name: 'Pay €10.01' }).click();
        await page.getByText('That is more than the €10.00 still due on this order.').waitFor();
      }));

    await t.test('TOO_MANY_LOGIN_ATTEMPTS', (t) =>
      withPage(browser, t, async (page) => {
        const guessed = { username: `guessed-${Date.now()}` };
        const login = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
        for (let attempt = 0; attempt < 10; attempt++) {
          await assert.rejects(graphql(stack.urls.router, login, { u: guessed.username, p: `guess-${attempt}` }), /INVALID_CREDENTIALS/);
        }
        await logIn(page, guessed, 'one-more-guess');
        await page.getByText('Too many failed logins for this username. Please try again in 15 minutes.').waitFor();
      }));

    await t.test('UNAUTHENTICATED: a token the router refuses ends the session', (t) =>
      withPage(browser, t, async (page) => {
        await logIn(page, customer);
        await page.getByRole('button', { name: 'Log out' }).waitFor();
        await page.evaluate(() => {
          const key = 'supergraph-shop.session';
          localStorage.setItem(key, JSON.stringify({ ...JSON.parse(localStorage.getItem(key)), token: 'not-a-token' }));
        });
        await page.reload();
        await page.getByText(SESSION_ENDED).waitFor();
        await page.getByLabel('Password').waitFor();
      }));

    await t.test('SUBREQUEST_HTTP_ERROR: a service that does not answer is named for people', (t) =>
      withPage(browser, t, async (page) => {
        await logIn(page, customer);
        await orderRows(page);
        await stack.stopService('orders');
        try {
          await page.reload();
          const alert = page.getByRole('alert');
          await alert.getByText('Orders cannot be reached right now. Please try again in a moment.').waitFor();
          assert.equal(await alert.getAttribute('data-code'), 'SUBREQUEST_HTTP_ERROR');
        } finally {
          await stack.restartService('orders');
        }
      }));

    await t.test('no answer from the router', (t) =>
      withPage(browser, t, async (page) => {
        await logIn(page, customer);
        await page.getByRole('button', { name: 'Log out' }).waitFor();
        await page.route(`${stack.urls.router}**`, (route) => route.abort('connectionrefused'));
        await page.reload();
        await page.getByRole('alert').getByText('The shop could not be reached.').waitFor();
      }));
  });
});

describe('explorers', () => {
  test("the router's Hive Laboratory works offline and runs an example operation", (t) =>
    withPage(browser, t, async (page, requested) => {
      // Offline: anything not on this machine would fail, and is recorded to fail the test too.
      await page.context().route((url) => !isOnThisMachine(url.href), (route) => route.abort());
      await page.goto(stack.urls.router);
      await page.getByText('Supergraph examples').click();
      await page.getByText('Log in', { exact: true }).click();

      const answer = page.waitForResponse((response) => response.request().postData()?.includes('mutation LogIn'));
      await page.getByRole('button', { name: 'Run' }).click();
      const { data } = await (await answer).json();
      assert.equal(data.login.user.username, staff.username);
      assert.ok(data.login.token);
      assert.deepEqual(requested.filter((url) => !isOnThisMachine(url)), []);
    }));

  test("a subgraph's GraphiQL loads from the service itself and runs a query", (t) =>
    withPage(browser, t, async (page, requested) => {
      await page.context().route((url) => !isOnThisMachine(url.href), (route) => route.abort());
      await page.goto(stack.urls.users);
      await page.getByText('The users subgraph alone').waitFor();

      const answer = page.waitForResponse((response) => response.request().postData()?.includes('users(pagination'));
      await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
      const body = await (await answer).json();
      assert.equal(body.errors, undefined);
      assert.equal(body.data.users.length, 5);
      assert.deepEqual(requested.filter((url) => !isOnThisMachine(url)), []);
      assert.ok(requested.some((url) => url.includes('/graphiql-assets/graphiql.min.js')));
    }));
});
