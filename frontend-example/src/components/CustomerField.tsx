import { useQuery } from 'urql';
import { CustomerChoicesDocument } from '../gql/graphql';
import { Field } from './Field';

/** A customer ID, with the known customers offered as suggestions (any ID may be typed). */
export function CustomerField({ value, error, onChange }: { value: string; error?: string; onChange: (userId: string) => void }) {
  const [{ data }] = useQuery({ query: CustomerChoicesDocument });
  const customer = data?.users.find((user) => user.id === value.trim());
  return (
    <Field label="Customer ID" error={error} hint={customer ? `${customer.fullName} (${customer.username})` : 'Type an ID or a name to search'}>
      <input list="customers" inputMode="numeric" autoComplete="off" value={value} onChange={(e) => onChange(e.target.value)} />
      <datalist id="customers">
        {data?.users.map((user) => (
          <option key={user.id} value={user.id}>
            {user.fullName} ({user.username})
          </option>
        ))}
      </datalist>
    </Field>
  );
}
