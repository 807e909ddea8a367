import type { OrderPageQuery } from '../gql/graphql';
import { formatMoney, fromCents, toCents } from '../money';

type Item = NonNullable<OrderPageQuery['order']>['items'][number];

export function ItemsTable({ items, total, currency }: { items: Item[]; total: string; currency: string }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Product</th>
          <th className="number">Quantity</th>
          <th className="number">Unit price</th>
          <th className="number">Amount</th>
        </tr>
      </thead>
      <tbody>
        {items.map((item, index) => (
          // An order may list the same SKU twice.
          <tr key={index}>
            <td>
              <div>{item.name}</div>
              <div className="muted">{item.sku}</div>
            </td>
            <td className="number">{item.quantity}</td>
            <td className="number">{formatMoney(item.unitPrice, currency)}</td>
            <td className="number">{formatMoney(fromCents(toCents(item.unitPrice)! * item.quantity), currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th colSpan={3}>Total</th>
          <th className="number">{formatMoney(total, currency)}</th>
        </tr>
      </tfoot>
    </table>
  );
}
