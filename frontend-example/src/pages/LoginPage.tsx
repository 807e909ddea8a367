import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';
import { ErrorAlert } from '../components/ErrorAlert';
import { Field } from '../components/Field';
import { type Problem, describeError } from '../errors';
import { LogInDocument } from '../gql/graphql';
import { useSession } from '../session';

/** Shown instead of any page while nobody is logged in; the page asked for follows the login. */
export function LoginPage() {
  const { notice, logIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [{ fetching }, login] = useMutation(LogInDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await login({ username: username.trim(), password });
    if (result.data) logIn(result.data.login);
    else if (result.error) setProblem(describeError(result.error));
  }

  return (
    <section className="login">
      <form className="card" onSubmit={submit}>
        <h1>Log in</h1>
        <p className="subtitle">Orders and payments are shown to their customer and to staff.</p>
        {notice && !problem && <p className="notice">{notice}</p>}
        <Field label="Username">
          <input autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <ErrorAlert problem={problem} />
        <button type="submit" className="button" disabled={fetching}>
          {fetching ? 'Logging in…' : 'Log in'}
        </button>
        <p className="muted">
          Demo data: <code>make dev</code> prints the demo logins (ada.lovelace1 is staff); their password is <code>supergraph-demo</code>.
        </p>
      </form>
    </section>
  );
}
