import { useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router-dom';
import { Provider } from 'urql';
import { createFlowdeckClient } from './urql.ts';
import { allows, useSession } from './session.tsx';
import { useViewer, ViewerProvider } from './viewer.tsx';
import { ThemeToggle } from './theme.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { NotFoundPage, AdminOnly } from './pages/not-found.tsx';
import { RawClientContext } from './raw-client.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { WorkflowsPage } from './pages/workflows.tsx';
import { WorkflowDetailPage } from './pages/workflow-detail.tsx';
import { ExecutionsPage } from './pages/executions.tsx';
import { ExecutionDetailPage } from './pages/execution-detail.tsx';
import { LogsPage } from './pages/logs.tsx';
import { IntegrationsPage } from './pages/integrations.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AlertsPage } from './pages/alerts.tsx';
import { ApprovalsBadge, ApprovalsPage } from './pages/approvals.tsx';

export function App() {
  const { apiKey, signOut } = useSession();
  const [notice, setNotice] = useState<string | null>(null);
  const fd = useMemo(() => (apiKey ? createFlowdeckClient(apiKey) : null), [apiKey]);
  useEffect(() => () => fd?.dispose(), [fd]);
  useEffect(() => {
    if (apiKey) setNotice(null);
  }, [apiKey]);
  const onRejected = useCallback(
    (message: string) => {
      setNotice(message);
      signOut();
    },
    [signOut],
  );

  if (!fd) return <SignInPage notice={notice} />;
  return (
    <Provider value={fd.client}>
      <RawClientContext value={fd.raw}>
        <ViewerProvider onRejected={onRejected}>
          <Shell />
        </ViewerProvider>
      </RawClientContext>
    </Provider>
  );
}

function Shell() {
  const viewer = useViewer();
  const { signOut } = useSession();
  const admin = allows(viewer.role, 'ADMIN');
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Flowdeck</span>
        <nav aria-label="Main">
          <NavLink to="/overview">Overview</NavLink>
          <NavLink to="/workflows">Workflows</NavLink>
          <NavLink to="/executions">Executions</NavLink>
          <NavLink to="/logs">Logs</NavLink>
          <NavLink to="/approvals">
            Approvals <ApprovalsBadge />
          </NavLink>
          {admin && <NavLink to="/integrations">Integrations</NavLink>}
          {admin && <NavLink to="/keys">API keys</NavLink>}
          {admin && <NavLink to="/alerts">Alerts</NavLink>}
        </nav>
        <div className="topbar-end">
          <span className="who" title={`Tenant ${viewer.tenant.slug}, zone ${viewer.tenant.timezone}`}>
            {viewer.tenant.name} · <span className={`role role-${viewer.role.toLowerCase()}`}>{viewer.role}</span>
          </span>
          <ThemeToggle />
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          {/* The dashboard opens on the Overview. */}
          <Route path="/" element={<Navigate to="/overview" replace />} />
          <Route path="/overview" element={<OverviewPage />} />
          <Route path="/workflows" element={<WorkflowsPage />} />
          <Route path="/workflows/:id" element={<WorkflowDetailPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:id" element={<ExecutionDetailPage />} />
          <Route path="/logs" element={<LogsPage />} />
          <Route path="/approvals" element={<ApprovalsPage />} />
          <Route path="/integrations" element={admin ? <IntegrationsPage /> : <AdminOnly />} />
          <Route path="/keys" element={admin ? <ApiKeysPage /> : <AdminOnly />} />
          <Route path="/alerts" element={admin ? <AlertsPage /> : <AdminOnly />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
