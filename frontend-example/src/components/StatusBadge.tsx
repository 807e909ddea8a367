import type { OrderStatus, PaymentStatus } from '../gql/graphql';
import { ORDER_STATUS, PAYMENT_STATUS } from '../labels';

/** null: the payments service did not say (the rest of the order still shows). */
export function PaymentStatusBadge({ status }: { status: PaymentStatus | null }) {
  if (!status) return <span className="badge badge-unknown">Unknown</span>;
  return <span className={`badge badge-${status.toLowerCase()}`}>{PAYMENT_STATUS[status]}</span>;
}

/** Only a cancelled order is marked: placed is what every other order is. */
export function CancelledBadge({ status }: { status: OrderStatus }) {
  return status === 'CANCELLED' ? <span className="badge badge-cancelled">{ORDER_STATUS[status]}</span> : null;
}
