import { type ReactNode, StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { Provider } from 'urql';
import { App } from './App';
import { createRouterClient } from './client';
import { SESSION_ENDED, SessionProvider, useSession } from './session';
import './styles.css';

function RouterClientProvider({ children }: { children: ReactNode }) {
  const { session, endSession } = useSession();
  const token = session?.token ?? null;
  const client = useMemo(() => createRouterClient(token, () => endSession(SESSION_ENDED)), [token, endSession]);
  return <Provider value={client}>{children}</Provider>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <RouterClientProvider>
        {/* Hash URLs: dist/ is plain files, served by any static server without rewrite rules. */}
        <HashRouter>
          <App />
        </HashRouter>
      </RouterClientProvider>
    </SessionProvider>
  </StrictMode>,
);
