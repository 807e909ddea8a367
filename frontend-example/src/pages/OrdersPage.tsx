import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery } from 'urql';
import { ErrorAlert } from '../components/ErrorAlert';
import { OrdersTable } from '../components/OrdersTable';
import { PageHeader } from '../components/PageHeader';
import { Pager } from '../components/Pager';
import { PARTIAL_ANSWER, describeError } from '../errors';
import { OrdersPageDocument } from '../gql/graphql';

const PAGE_SIZE = 10;
// The offset is a GraphQL Int (32 bits): any page past the last one it reaches is empty anyway.
const LARGEST_OFFSET = 2 ** 31 - 1;

/** The page the URL asks for: a whole number from 1, else the first page. */
function pageAsked(param: string | null): number {
  const page = Number(param);
  return Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

export function OrdersPage() {
  const [params, setParams] = useSearchParams();
  const page = pageAsked(params.get('page'));
  // One order more than shown: whether it comes back tells whether there is a next page.
  const [{ data, fetching, error }] = useQuery({
    query: OrdersPageDocument,
    variables: { offset: Math.min((page - 1) * PAGE_SIZE, LARGEST_OFFSET), limit: PAGE_SIZE + 1 },
    // An empty page holds no Order for the document cache to see: a new order must refetch it too.
    context: useMemo(() => ({ additionalTypenames: ['Order'] }), []),
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
