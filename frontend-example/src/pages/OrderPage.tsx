import { Link, useParams } from 'react-router';
import { useQuery } from 'urql';
import { ErrorAlert } from '../components/ErrorAlert';
import { ItemsTable } from '../components/ItemsTable';
import { PageHeader } from '../components/PageHeader';
import { PayForm } from '../components/PayForm';
import { PaymentsTable } from '../components/PaymentsTable';
import { CancelledBadge, PaymentStatusBadge } from '../components/StatusBadge';
import { PARTIAL_ANSWER, describeError } from '../errors';
import { type OrderPageQuery, OrderPageDocument } from '../gql/graphql';
import { formatDateTime } from '../labels';
import { formatMoney } from '../money';

type Order = NonNullable<OrderPageQuery['order']>;

function paymentNote(order: Order): string {
  if (order.status === 'CANCELLED') return 'This order was cancelled; it cannot be paid.';
  if (order.amountDue === null) return 'What is due cannot be shown right now; try again in a moment.';
  return 'Nothing is due on this order.';
}

function PaymentSummary({ order }: { order: Order }) {
  // amountPaid and amountDue are null when the payments service did not answer.
  const money = (amount: string | null) => (amount === null ? '—' : formatMoney(amount, order.currency));
  const { amountDue } = order;
  return (
    <div className="card">
      <h2>Payment</h2>
      <dl className="summary">
        <dt>Total</dt>
        <dd>{money(order.total)}</dd>
        <dt>Paid</dt>
        <dd>{money(order.amountPaid)}</dd>
        {/* Nothing is due on a cancelled order, whatever is left unpaid. */}
        {order.status !== 'CANCELLED' && (
          <>
            <dt>Due</dt>
            <dd className="strong">{money(amountDue)}</dd>
          </>
        )}
      </dl>
      {order.status === 'PLACED' && amountDue !== null && Number(amountDue) > 0 ? (
        <PayForm key={amountDue} orderId={order.id} amountDue={amountDue} currency={order.currency} />
      ) : (
        <p className="note">{paymentNote(order)}</p>
      )}
    </div>
  );
}

export function OrderPage() {
  const { orderId = '' } = useParams();
  const [{ data, fetching, error }] = useQuery({ query: OrderPageDocument, variables: { id: orderId } });
  const order = data?.order;

  if (!order) {
    return (
      <section>
        <PageHeader title={`Order #${orderId}`} />
        {error ? <ErrorAlert problem={describeError(error)} /> : <p className="empty">{fetching ? 'Loading order…' : 'There is no such order.'}</p>}
        <Link to="/orders">← All orders</Link>
      </section>
    );
  }
  return (
    <section>
      <PageHeader
        title={
          <>
            Order #{order.id} <PaymentStatusBadge status={order.paymentStatus} /> <CancelledBadge status={order.status} />
          </>
        }
        subtitle={[order.user && (order.user.fullName || order.user.username), order.user?.email, `placed ${formatDateTime(order.createdAt)}`]
          .filter(Boolean)
          .join(' · ')}
      >
        <Link to="/orders" className="button secondary">
          All orders
        </Link>
      </PageHeader>
      {error && <ErrorAlert problem={PARTIAL_ANSWER} />}
      <div className="order-layout">
        <div className="card">
          <h2>Items</h2>
          <ItemsTable items={order.items} total={order.total} currency={order.currency} />
        </div>
        <div className="side">
          <PaymentSummary order={order} />
          <div className="card">
            <h2>Payments</h2>
            <PaymentsTable payments={order.payments} />
          </div>
        </div>
      </div>
    </section>
  );
}
