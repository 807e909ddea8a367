import { Link } from 'react-router';
import type { OrdersPageQuery } from '../gql/graphql';
import { formatDateTime } from '../labels';
import { formatMoney } from '../money';
import { CancelledBadge, PaymentStatusBadge } from './StatusBadge';

type ListedOrder = OrdersPageQuery['orders'][number];

/** "2 × Webcam, 1 × USB-C cable +3 more": enough to recognise an order in a list. */
function itemsSummary(items: ListedOrder['items']): string {
  const shown = items.slice(0, 2).map((item) => `${item.quantity} × ${item.name}`);
  const more = items.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` +${more} more` : '');
}

export function OrdersTable({ orders }: { orders: ListedOrder[] }) {
  if (!orders.length) return <p className="empty">No orders on this page.</p>;
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Order</th>
          <th>Customer</th>
          <th>Items</th>
          <th className="number">Total</th>
          <th>Payment</th>
          <th>Placed</th>
        </tr>
      </thead>
      <tbody>
        {orders.map((order) => (
          <tr key={order.id}>
            <td>
              <Link to={`/orders/${order.id}`}>#{order.id}</Link> <CancelledBadge status={order.status} />
            </td>
            <td>
              {order.user ? (
                <>
                  <div>{order.user.fullName || order.user.username}</div>
                  <div className="muted">{order.user.username}</div>
                </>
              ) : (
                <span className="muted">Unknown</span>
              )}
            </td>
            <td className="items-summary">{itemsSummary(order.items)}</td>
            <td className="number">{formatMoney(order.total, order.currency)}</td>
            <td>
              <PaymentStatusBadge status={order.paymentStatus} />
            </td>
            <td className="muted">{formatDateTime(order.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
