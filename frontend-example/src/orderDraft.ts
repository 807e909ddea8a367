// The new-order form's model: what a person typed, checked before it is sent. The orders
// service checks all of it again; these checks only spare a round trip and point at the field.
import type { CreateOrderInput } from './gql/graphql';
import { toCents } from './money';

export interface ItemDraft {
  sku: string;
  name: string;
  quantity: string;
  unitPrice: string;
}

export interface OrderDraft {
  userId: string;
  currency: string;
  items: ItemDraft[];
}

/** Messages keyed by the server's names for fields (BAD_USER_INPUT's extensions.field). */
export type FieldErrors = Record<string, string>;

/** The currencies the orders service accepts. */
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN'];
const MAX_ITEMS = 100;
const MAX_QUANTITY = 10_000;
const MAX_UNIT_PRICE_CENTS = 100_000_000_000; // 1,000,000,000.00

export const emptyItem = (): ItemDraft => ({ sku: '', name: '', quantity: '1', unitPrice: '' });
export const emptyDraft = (userId: string): OrderDraft => ({ userId, currency: 'EUR', items: [emptyItem()] });

function itemErrors(item: ItemDraft, index: number): FieldErrors {
  const errors: FieldErrors = {};
  const at = `items[${index}]`;
  if (!item.sku.trim()) errors[`${at}.sku`] = 'Enter the SKU.';
  else if (item.sku.trim().length > 64) errors[`${at}.sku`] = 'At most 64 characters.';
  if (!item.name.trim()) errors[`${at}.name`] = 'Enter the product name.';
  else if (item.name.trim().length > 200) errors[`${at}.name`] = 'At most 200 characters.';
  const quantity = Number(item.quantity);
  if (!/^\d+$/.test(item.quantity.trim()) || quantity < 1 || quantity > MAX_QUANTITY) {
    errors[`${at}.quantity`] = `A whole number from 1 to ${MAX_QUANTITY.toLocaleString()}.`;
  }
  const price = toCents(item.unitPrice);
  if (price === null || price <= 0 || price > MAX_UNIT_PRICE_CENTS) {
    errors[`${at}.unitPrice`] = 'A price such as 12.50, more than 0.';
  }
  return errors;
}

export function validateOrderDraft(draft: OrderDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (!/^[1-9]\d*$/.test(draft.userId.trim())) errors.userId = 'Pick a customer, or type their numeric ID.';
  if (!CURRENCIES.includes(draft.currency)) errors.currency = 'Pick a currency.';
  if (draft.items.length < 1 || draft.items.length > MAX_ITEMS) errors.items = `An order has 1 to ${MAX_ITEMS} items.`;
  draft.items.forEach((item, index) => Object.assign(errors, itemErrors(item, index)));
  return errors;
}

/** `errors` once item `removed` is gone: its own go with it, those of the items after it move up with them. */
export function withoutItemErrors(errors: FieldErrors, removed: number): FieldErrors {
  const left: FieldErrors = {};
  for (const [field, message] of Object.entries(errors)) {
    const [, index, rest] = /^items\[(\d+)\](.*)$/.exec(field) ?? [];
    if (index === undefined || Number(index) < removed) left[field] = message;
    else if (Number(index) > removed) left[`items[${Number(index) - 1}]${rest}`] = message;
  }
  return left;
}

/** The order's total in cents, or null while a line has no valid quantity or price. */
export function draftTotalCents(draft: OrderDraft): number | null {
  let total = 0;
  for (const item of draft.items) {
    const price = toCents(item.unitPrice);
    const quantity = Number(item.quantity);
    if (price === null || !Number.isInteger(quantity) || quantity < 1) return null;
    total += price * quantity;
  }
  return total;
}

/** Only for a draft that validateOrderDraft found no fault with. */
export function toCreateOrderInput(draft: OrderDraft): CreateOrderInput {
  return {
    userId: draft.userId.trim(),
    currency: draft.currency,
    items: draft.items.map((item) => ({
      sku: item.sku.trim(),
      name: item.name.trim(),
      quantity: Number(item.quantity),
      unitPrice: item.unitPrice.trim(),
    })),
  };
}
