import type { OrderStatus, PaymentStatus } from '../gql/graphql';
import { ORDER_STATUS, PAYMENT_STATUS } from '../labels';

export function PaymentStatusBadge({ status }: { status: PaymentStatus }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{PAYMENT_STATUS[status]}</span>;
}

/** Only a cancelled order is marked: placed is what every other order is. */
export function CancelledBadge({ status }: { status: OrderStatus }) {
  return status === 'CANCELLED' ? <span className="badge badge-cancelled">{ORDER_STATUS[status]}</span> : null;
}
