import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ErrorAlert } from '../components/ErrorAlert';
import { OrdersTable } from '../components/OrdersTable';
import { PageHeader } from '../components/PageHeader';
import { Pager } from '../components/Pager';
import { PARTIAL_ANSWER, describeError } from '../errors';
import { OrdersPageDocument } from '../gql/graphql';

const PAGE_SIZE = 10;

export function OrdersPage() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  // One order more than shown: whether it comes back tells whether there is a next page.
  const [{ data, fetching, error }] = useQuery({
    query: OrdersPageDocument,
    variables: { offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE + 1 },
  });

  return (
    <section>
      <PageHeader title="Orders" subtitle="Oldest first, with each customer and payment status.">
        <Link to="/orders/new" className="button">
          New order
        </Link>
      </PageHeader>
      {error && <ErrorAlert problem={data ? PARTIAL_ANSWER : describeError(error)} />}
      {data && (
        <div className="card">
          <OrdersTable orders={data.orders.slice(0, PAGE_SIZE)} />
        </div>
      )}
      {!data && fetching && <p className="empty">Loading orders…</p>}
      <Pager page={page} hasNext={(data?.orders.length ?? 0) > PAGE_SIZE} onPage={(next) => setParams({ page: String(next) })} />
    </section>
  );
}
