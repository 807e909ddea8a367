import { type ReactNode, StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { Provider } from 'urql';
import { App } from './App';
import { createRouterClient } from './client';
import { SessionProvider, useSession } from './session';
import './styles.css';

function RouterClientProvider({ children }: { children: ReactNode }) {
  const { session, logOut } = useSession();
  const token = session?.token ?? null;
  const client = useMemo(
    () => createRouterClient(token, () => logOut('Your session has ended. Please log in again.')),
    [token, logOut],
  );
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
