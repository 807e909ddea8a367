import type { OrderPageQuery } from '../gql/graphql';
import { PAYMENT_METHOD, PAYMENT_STATE, formatDateTime } from '../labels';
import { formatMoney } from '../money';

type Payment = NonNullable<NonNullable<OrderPageQuery['order']>['payments']>[number];

/** null: the payments service did not answer. */
export function PaymentsTable({ payments }: { payments: Payment[] | null }) {
  if (!payments) return <p className="empty">The payments cannot be shown right now.</p>;
  if (!payments.length) return <p className="empty">No payments yet.</p>;
  return (
    <table className="table compact">
      <tbody>
        {payments.map((payment) => (
          <tr key={payment.id}>
            <td>
              <div>{formatMoney(payment.amount, payment.currency)}</div>
              <div className="muted">{formatDateTime(payment.createdAt)}</div>
            </td>
            <td>{PAYMENT_METHOD[payment.method]}</td>
            <td className={payment.status === 'REFUNDED' ? 'muted' : undefined}>{PAYMENT_STATE[payment.status]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
