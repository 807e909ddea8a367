import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { Provider } from 'urql';
import { App } from './App';
import { client } from './client';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={client}>
      {/* Hash URLs: dist/ is plain files, served by any static server without rewrite rules. */}
      <HashRouter>
        <App />
      </HashRouter>
    </Provider>
  </StrictMode>,
);
