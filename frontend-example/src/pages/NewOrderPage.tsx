import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useMutation } from 'urql';
import { CustomerField } from '../components/CustomerField';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { ItemsEditor } from '../components/ItemsEditor';
import { PageHeader } from '../components/PageHeader';
import { type Problem, describeError } from '../errors';
import { CreateOrderDocument } from '../gql/graphql';
import { useAttemptKey } from '../idempotency';
import { keptKey, readKept, writeKept } from '../kept';
import { formatMoney, fromCents } from '../money';
import { useSession } from '../session';
import {
  CURRENCIES,
  type FieldErrors,
  type OrderDraft,
  draftTotalCents,
  emptyDraft,
  toCreateOrderInput,
  validateOrderDraft,
  withoutItemErrors,
} from '../orderDraft';

export function NewOrderPage() {
  const { session } = useSession();
  const userId = session?.user.id ?? '';
  // Kept in the tab, with its idempotency key, until it is placed: a session ending while the
  // user writes (an expired token) sends them to log in again, and they find it as they left it.
  const keptDraft = keptKey(userId, 'new-order.draft');
  // For yourself by default: only staff may order for another customer.
  const [draft, setDraft] = useState<OrderDraft>(() => readKept(keptDraft) ?? emptyDraft(userId));
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [{ fetching }, createOrder] = useMutation(CreateOrderDocument);
  const attempt = useAttemptKey(keptKey(userId, 'new-order.attempt'));
  const navigate = useNavigate();
  useEffect(() => writeKept(keptDraft, draft), [keptDraft, draft]);
  const edit = (change: Partial<OrderDraft>) => setDraft((current) => ({ ...current, ...change }));
  const removeItem = (index: number) => {
    edit({ items: draft.items.filter((_, i) => i !== index) });
    setFieldErrors((errors) => withoutItemErrors(errors, index));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const errors = validateOrderDraft(draft);
    setFieldErrors(errors);
    setProblem(null);
    if (Object.keys(errors).length) return;
    const input = toCreateOrderInput(draft);
    // Placing the same draft again (its answer lost, say) sends the same key: one order, not two.
    const idempotencyKey = attempt.keyFor(JSON.stringify(input));
    const result = await createOrder({ input: { ...input, idempotencyKey } });
    if (result.data) {
      attempt.succeeded();
      writeKept(keptDraft, null);
      navigate(`/orders/${result.data.createOrder.id}`);
    } else if (result.error) {
      const described = describeError(result.error, draft.currency);
      // Every field the orders service names (userId, currency, items[0].sku...) is on this form.
      if (described.field) setFieldErrors({ [described.field]: described.message });
      else setProblem(described);
    }
  }

  const total = draftTotalCents(draft);
  return (
    <section>
      <PageHeader title="New order" subtitle="For yourself, or, for staff, for any customer: the users service checks the customer first." />
      <form className="card new-order" onSubmit={submit} noValidate>
        <div className="form-row">
          <CustomerField value={draft.userId} error={fieldErrors.userId} onChange={(userId) => edit({ userId })} />
          <Field label="Currency" error={fieldErrors.currency}>
            <select value={draft.currency} onChange={(e) => edit({ currency: e.target.value })}>
              {CURRENCIES.map((code) => (
                <option key={code}>{code}</option>
              ))}
            </select>
          </Field>
        </div>
        <ItemsEditor items={draft.items} errors={fieldErrors} onChange={(items) => edit({ items })} onRemove={removeItem} />
        <ErrorAlert problem={problem} />
        <div className="form-footer">
          <span className="total">Total {total === null ? '—' : formatMoney(fromCents(total), draft.currency)}</span>
          <button type="submit" className="button" disabled={fetching}>
            {fetching ? 'Placing order…' : 'Place order'}
          </button>
        </div>
      </form>
    </section>
  );
}
