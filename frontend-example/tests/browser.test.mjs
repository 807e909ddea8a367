// The app, the router's explorer and a subgraph's GraphiQL in Chromium, against the real stack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, graphql, isOnThisMachine, launchChromium, serveApp, startStack, tokenFor, withPage } from './support.mjs';

const STATUS_LABELS = { UNPAID: 'Unpaid', PARTIALLY_PAID: 'Partially paid', PAID: 'Paid', REFUNDED: 'Refunded' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ORDERS = '{ orders(pagination: {limit: 10}) { id total currency user { fullName } paymentStatus } }';
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
  [staff, customer] = await Promise.all(users.map(async (user) => ({ ...user, token: await tokenFor(stack.urls.router, user.username) })));
});

after(async () => {
  await browser?.close();
  await app?.close();
  await stack?.stop();
});

async function logIn(page, user, password = DEMO_PASSWORD) {
  await page.goto(`${app.url}#/orders`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

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
      const { orders } = await graphql(stack.urls.router, ORDERS, {}, customer.token);
      const rows = await orderRows(page);
      assert.ok(orders.length > 0, 'the demo customer has orders');
      assert.equal(rows.length, orders.length);
      assert.ok(rows.every((row) => row.includes(customer.fullName)), rows.join('\n'));
    }));

  test('the orders page shows names, totals and payment statuses from all three services', (t) =>
    withPage(browser, t, async (page) => {
      const { orders } = await graphql(stack.urls.router, ORDERS, {}, staff.token);
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
      const { orders } = await graphql(stack.urls.router, '{ orders(pagination: {limit: 500}) { idempotencyKey } }', {}, customer.token);
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
        const { createOrder } = await graphql(
          stack.urls.router,
          'mutation($input: CreateOrderInput!) { createOrder(input: $input) { id } }',
          { input: { userId: customer.id, currency: 'EUR', items } },
          customer.token,
        );
        await logIn(page, customer);
        await page.goto(`${app.url}#/orders/${createOrder.id}`);
        await page.getByLabel('Amount (EUR)').fill('10.01');
        await page.getByRole('button', { name: 'Pay €10.01' }).click();
        await page.getByText('That is more than the €10.00 still due on this order.').waitFor();
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
        await page.getByText('Your session has ended. Please log in again.').waitFor();
        await page.getByLabel('Password').waitFor();
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
