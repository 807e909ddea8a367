import type { OrderStatus, PaymentMethod, PaymentState, PaymentStatus } from './gql/graphql';

export const PAYMENT_STATUS: Record<PaymentStatus, string> = {
  UNPAID: 'Unpaid',
  PARTIALLY_PAID: 'Partially paid',
  PAID: 'Paid',
  REFUNDED: 'Refunded',
};

export const ORDER_STATUS: Record<OrderStatus, string> = {
  PLACED: 'Placed',
  PAID: 'Paid',
  CANCELLED: 'Cancelled',
};

export const PAYMENT_METHOD: Record<PaymentMethod, string> = {
  CARD: 'Card',
  BANK_TRANSFER: 'Bank transfer',
  WALLET: 'Wallet',
};

export const PAYMENT_STATE: Record<PaymentState, string> = {
  COMPLETED: 'Completed',
  REFUNDED: 'Refunded',
};

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
