import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';
import { type Problem, describeError } from '../errors';
import { PayOrderDocument, type PaymentMethod } from '../gql/graphql';
import { useAttemptKey } from '../idempotency';
import { PAYMENT_METHOD } from '../labels';
import { formatMoney, fromCents, toCents } from '../money';
import { ErrorAlert } from './ErrorAlert';
import { Field } from './Field';

const METHODS = Object.keys(PAYMENT_METHOD) as PaymentMethod[];

/** Pays what is due (or part of it). Give it key={amountDue} so that it starts over after a payment. */
export function PayForm({ orderId, amountDue, currency }: { orderId: string; amountDue: string; currency: string }) {
  const [amount, setAmount] = useState(amountDue);
  const [method, setMethod] = useState<PaymentMethod>('CARD');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [{ fetching }, payOrder] = useMutation(PayOrderDocument);
  const attempt = useAttemptKey();

  async function pay(event: FormEvent) {
    event.preventDefault();
    const cents = toCents(amount);
    if (cents === null || cents <= 0) {
      setProblem({ code: 'BAD_USER_INPUT', field: 'amount', message: 'Enter an amount such as 12.50, more than 0.' });
      return;
    }
    const exact = fromCents(cents);
    const idempotencyKey = attempt.keyFor(`${exact} ${method}`);
    setProblem(null);
    const result = await payOrder({ input: { orderId, amount: exact, method, idempotencyKey } });
    if (result.error) setProblem(describeError(result.error, currency));
    else attempt.succeeded();
  }

  const amountError = problem?.field === 'amount' ? problem.message : undefined;
  const typedCents = toCents(amount);
  return (
    <form className="pay-form" onSubmit={pay} noValidate>
      <div className="form-row">
        <Field label={`Amount (${currency})`} error={amountError}>
          <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </Field>
        <Field label="Method">
          <select value={method} onChange={(e) => setMethod(e.target.value as PaymentMethod)}>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {PAYMENT_METHOD[m]}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {!amountError && <ErrorAlert problem={problem} />}
      <button type="submit" className="button" disabled={fetching}>
        {fetching ? 'Paying…' : typedCents ? `Pay ${formatMoney(fromCents(typedCents), currency)}` : 'Pay'}
      </button>
    </form>
  );
}
