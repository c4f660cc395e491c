// The route table. Pages that most visits never open (history, admin, settings) are split into
// their own chunks with React.lazy, so the first load carries only the resource pages.
import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { EditResourcePage } from '../features/resources/edit-resource-page.tsx';
import { NewResourcePage } from '../features/resources/new-resource-page.tsx';
import { ResourceDetailPage } from '../features/resources/resource-detail-page.tsx';
import { ResourceListPage } from '../features/resources/resource-list-page.tsx';
import { Link, matchPath, navigate, useLocation } from '../lib/router.tsx';
import { EmptyState, ErrorBoundary, Loading, PageHeader } from '../lib/ui.tsx';

const HistoryPage = lazy(() =>
  import('../features/history/history-page.tsx').then((m) => ({ default: m.HistoryPage })),
);
const ApiKeysPage = lazy(() =>
  import('../features/api-keys/api-keys-page.tsx').then((m) => ({ default: m.ApiKeysPage })),
);
const WebhooksPage = lazy(() =>
  import('../features/webhooks/webhooks-page.tsx').then((m) => ({ default: m.WebhooksPage })),
);
const UsersPage = lazy(() =>
  import('../features/admin/users-page.tsx').then((m) => ({ default: m.UsersPage })),
);
const AuditPage = lazy(() =>
  import('../features/audit/audit-page.tsx').then((m) => ({ default: m.AuditPage })),
);

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];

// Order matters: '/resources/new' must be tried before '/resources/:id'.
const ROUTES: Route[] = [
  ['/resources', () => <ResourceListPage />],
  ['/resources/new', () => <NewResourcePage />],
  ['/resources/:id', ({ id = '' }) => <ResourceDetailPage key={id} id={id} />],
  ['/resources/:id/edit', ({ id = '' }) => <EditResourcePage key={id} id={id} />],
  ['/resources/:id/history', ({ id = '' }) => <HistoryPage key={id} id={id} />],
  ['/audit', () => <AuditPage />],
  ['/api-keys', () => <ApiKeysPage />],
  ['/webhooks', () => <WebhooksPage />],
  ['/admin/users', () => <UsersPage />],
];

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="There is nothing at this address.">
        <Link to="/resources" className="button">
          Go to resources
        </Link>
      </EmptyState>
    </>
  );
}

export function AppRoutes() {
  const { pathname } = useLocation();
  if (pathname === '/' || pathname === '/login' || pathname === '/register')
    return <Redirect to="/resources" />;
  let page: ReactNode = <NotFoundPage />;
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, pathname);
    if (params) {
      page = render(params);
      break;
    }
  }
  return (
    // Keyed by path so an error on one page does not stick to the next.
    <ErrorBoundary key={pathname}>
      <Suspense fallback={<Loading label="Loading page…" />}>{page}</Suspense>
    </ErrorBoundary>
  );
}
