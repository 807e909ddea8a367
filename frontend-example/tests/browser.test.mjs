// The app, the router's explorer and a subgraph's GraphiQL in Chromium, against the real stack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort, graphql, isOnThisMachine, launchChromium, serveApp, startStack, withPage } from './support.mjs';

const STATUS_LABELS = { UNPAID: 'Unpaid', PARTIALLY_PAID: 'Partially paid', PAID: 'Paid', REFUNDED: 'Refunded' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const money = (amount, currency) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(Number(amount));

let stack;
let app;
let browser;

before(async () => {
  const appPort = await freePort();
  stack = await startStack(`http://127.0.0.1:${appPort}`);
  app = await serveApp(stack.urls.router, appPort);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await stack?.stop();
});

async function fillNewOrder(page, { userId, items }) {
  await page.goto(`${app.url}#/orders/new`);
  await page.getByLabel('Customer ID').fill(userId);
  for (const [index, item] of items.entries()) {
    if (index > 0) await page.getByRole('button', { name: 'Add item' }).click();
    const n = index + 1;
    await page.getByLabel(`Item ${n} sku`).fill(item.sku);
    await page.getByLabel(`Item ${n} product`).fill(item.name);
    await page.getByLabel(`Item ${n} quantity`).fill(String(item.quantity));
    await page.getByLabel(`Item ${n} unit price`).fill(item.unitPrice);
  }
}

describe('orders app', () => {
  test('the orders page shows names, totals and payment statuses from all three services', (t) =>
    withPage(browser, t, async (page) => {
      const { orders } = await graphql(
        stack.urls.router,
        '{ orders(pagination: {limit: 10}) { id total currency user { fullName } paymentStatus } }',
      );
      assert.ok(new Set(orders.map((o) => o.paymentStatus)).size > 1, 'the demo orders have several payment statuses');

      await page.goto(`${app.url}#/orders`);
      const rows = page.locator('tbody tr');
      await rows.first().waitFor();
      const texts = await rows.allInnerTexts();
      assert.equal(texts.length, 10);
      orders.forEach((order, i) => {
        for (const expected of [`#${order.id}`, order.user.fullName, money(order.total, order.currency), STATUS_LABELS[order.paymentStatus]]) {
          assert.ok(texts[i].includes(expected), `row ${i + 1} shows ${expected}: ${texts[i]}`);
        }
      });

      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByRole('link', { name: '#11', exact: true }).waitFor();
      assert.match(page.url(), /page=2/);
    }));

  test('an order placed in the form is paid in full and then shows as paid', (t) =>
    withPage(browser, t, async (page) => {
      await fillNewOrder(page, {
        userId: '2',
        items: [
          { sku: 'KB-001', name: 'Mechanical keyboard', quantity: 2, unitPrice: '89.90' },
          { sku: 'CB-005', name: 'USB-C cable', quantity: 1, unitPrice: '9.99' },
        ],
      });
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

  test('the form checks its input before sending it', (t) =>
    withPage(browser, t, async (page, requested) => {
      await page.goto(`${app.url}#/orders/new`);
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
          { input: { userId: '3', currency: 'EUR', items } },
        );
        await page.goto(`${app.url}#/orders/${createOrder.id}`);
        await page.getByLabel('Amount (EUR)').fill('10.01');
        await page.getByRole('button', { name: 'Pay €10.01' }).click();
        await page.getByText('That is more than the €10.00 still due on this order.').waitFor();
      }));

    await t.test('no answer from the router', (t) =>
      withPage(browser, t, async (page) => {
        await page.route(`${stack.urls.router}**`, (route) => route.abort('connectionrefused'));
        await page.goto(`${app.url}#/orders`);
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
      await page.getByText('Orders with customers and payment status').click();

      const answer = page.waitForResponse((response) => response.request().postData()?.includes('query Orders'));
      await page.getByRole('button', { name: 'Run' }).click();
      const { data } = await (await answer).json();
      assert.equal(data.orders.length, 10);
      assert.ok(data.orders.every((order) => order.user.fullName && order.paymentStatus));
      assert.deepEqual(requested.filter((url) => !isOnThisMachine(url)), []);
    }));

  test("a subgraph's GraphiQL loads from the service itself and runs a query", (t) =>
    withPage(browser, t, async (page, requested) => {
      await page.context().route((url) => !isOnThisMachine(url.href), (route) => route.abort());
      await page.goto(stack.urls.users);
      await page.getByText('The users subgraph alone').waitFor();

      const answer = page.waitForResponse((response) => response.request().postData()?.includes('users(pagination'));
      await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
      const { data } = await (await answer).json();
      assert.equal(data.users.length, 5);
      assert.ok(data.users.every((user) => user.username));
      assert.deepEqual(requested.filter((url) => !isOnThisMachine(url)), []);
      assert.ok(requested.some((url) => url.includes('/graphiql-assets/graphiql.min.js')));
    }));
});
