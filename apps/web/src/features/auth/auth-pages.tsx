import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { ErrorAlert, PageHeader } from '../../lib/ui.tsx';
import { useAuth } from './auth-context.tsx';

function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const { notice } = useAuth();
  return (
    <div className="auth-card">
      <PageHeader title={title} />
      {notice ? (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      ) : null}
      {children}
    </div>
  );
}

/** After signing in from /login or /register go to the console; from a deep link, stay there. */
function continueAfterAuth(pathname: string): void {
  if (pathname === '/login' || pathname === '/register' || pathname === '/')
    navigate('/resources', { replace: true });
}

function useSubmit(action: () => Promise<void>) {
  const { pathname } = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
      continueAfterAuth(pathname);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export function LoginPage() {
  const { signIn } = useAuth();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(() => signIn(email, password));
  return (
    <AuthCard title="Sign in">
      <form className="stack" onSubmit={submit} noValidate>
        {error ? <ErrorAlert error={error} /> : null}
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-switch">
        New here? <Link to="/register">Create an account</Link>
      </p>
    </AuthCard>
  );
}

export function RegisterPage() {
  const { register } = useAuth();
  const id = useId();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(() => register(email, password, name));
  const tooShort = password.length > 0 && password.length < 12;
  return (
    <AuthCard title="Create an account">
      <form className="stack" onSubmit={submit} noValidate>
        {error ? <ErrorAlert error={error} /> : null}
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            autoComplete="name"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            required
            value={password}
            aria-describedby={`${id}-password-hint`}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id={`${id}-password-hint`} className={tooShort ? 'hint hint-warning' : 'hint'}>
            {tooShort
              ? `${12 - password.length} more characters needed (at least 12).`
              : 'At least 12 characters. A passphrase works well.'}
          </p>
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </AuthCard>
  );
}
