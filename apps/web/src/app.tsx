import { AuthProvider, useAuth } from './features/auth/auth-context.tsx';
import { LoginPage, RegisterPage } from './features/auth/auth-pages.tsx';
import { LiveEventsProvider, LiveStatus } from './features/events/live-events.tsx';
import { Link, useLocation } from './lib/router.tsx';
import { Loading } from './lib/ui.tsx';
import { AppRoutes } from './routes/routes.tsx';

const NAV = [
  { to: '/resources', label: 'Resources', admin: false },
  { to: '/audit', label: 'Audit log', admin: false },
  { to: '/api-keys', label: 'API keys', admin: false },
  { to: '/webhooks', label: 'Webhooks', admin: false },
  { to: '/admin/users', label: 'Users', admin: true },
];

function Brand() {
  return (
    <Link to="/resources" className="brand">
      <span className="brand-mark" aria-hidden="true">
        L
      </span>
      Ledgerbase
    </Link>
  );
}

function SignedInShell() {
  const { user, signOut } = useAuth();
  const { pathname } = useLocation();
  if (!user) return null;
  return (
    <LiveEventsProvider>
      <header className="app-header">
        <div className="header-inner">
          <Brand />
          <nav aria-label="Main" className="main-nav">
            <ul>
              {NAV.filter((item) => !item.admin || user.role === 'admin').map((item) => (
                <li key={item.to}>
                  <Link to={item.to} aria-current={pathname.startsWith(item.to) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="user-menu">
            <LiveStatus />
            <span className="user-name" title={user.email}>
              {user.name} <span className="badge">{user.role}</span>
            </span>
            <button type="button" className="button button-small" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="container" tabIndex={-1}>
        <AppRoutes />
      </main>
    </LiveEventsProvider>
  );
}

function Gate() {
  const { status } = useAuth();
  const { pathname } = useLocation();
  if (status === 'loading') {
    return (
      <main id="main" className="container center">
        <Loading label="Starting Ledgerbase…" />
      </main>
    );
  }
  if (status === 'signed-in') return <SignedInShell />;
  return (
    <>
      <header className="app-header">
        <div className="header-inner">
          <Brand />
        </div>
      </header>
      <main id="main" className="container auth-main" tabIndex={-1}>
        {pathname === '/register' ? <RegisterPage /> : <LoginPage />}
      </main>
    </>
  );
}

export function App() {
  return (
    <AuthProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Gate />
    </AuthProvider>
  );
}
