import { type ReactNode, createContext, useCallback, useContext, useMemo, useState } from 'react';
import type { LogInMutation } from './gql/graphql';

/** Who is logged in: the router's token, and the user it names. */
export type Session = LogInMutation['login'];

interface SessionState {
  session: Session | null;
  /** Why the last session ended, when the user did not end it: shown on the login page. */
  notice: string | null;
  logIn: (session: Session) => void;
  logOut: (notice?: string) => void;
}

// Kept across reloads and tabs until the token expires (an hour) or the user logs out.
const STORAGE_KEY = 'supergraph-shop.session';

function storedSession(): Session | null {
  try {
    const session: Session | null = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return session && Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null; // unreadable: as if logged out
  }
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState(storedSession);
  const [notice, setNotice] = useState<string | null>(null);
  const logIn = useCallback((next: Session) => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
    setNotice(null);
  }, []);
  const logOut = useCallback((why?: string) => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
    setNotice(why ?? null);
  }, []);
  const state = useMemo(() => ({ session, notice, logIn, logOut }), [session, notice, logIn, logOut]);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession needs a SessionProvider');
  return state;
}
