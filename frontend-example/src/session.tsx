import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { LogInMutation } from './gql/graphql';
import { forgetKept } from './kept';

type LogIn = LogInMutation['login'];

/** Who is logged in: the router's token, the user it names, and when the token ends by this machine's clock. */
export type Session = LogIn & { endsAt: number };

/** Shown on the login page when a session ended without the user logging out. */
export const SESSION_ENDED = 'Your session has ended. Please log in again.';

interface SessionState {
  session: Session | null;
  /** Why the last session ended, when the user did not end it: shown on the login page. */
  notice: string | null;
  logIn: (login: LogIn) => void;
  /** The user logging out: what the tab kept for them (kept.ts) goes too. */
  logOut: () => void;
  /** The session ending on its own (an expired or refused token): what the tab kept for the user waits for their next login. */
  endSession: (notice: string) => void;
}

// Kept across reloads and tabs until the token expires (an hour) or the user logs out.
const STORAGE_KEY = 'supergraph-shop.session';
// setTimeout takes at most this delay; a longer one would fire at once.
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * When a token just issued ends, by this machine's clock, which may be off by more than a token
 * lasts: the token's lifetime (its exp - iat, both by the users service's clock) from now.
 */
function endsAt(token: string): number {
  const { iat, exp } = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  return Date.now() + (exp - iat) * 1000;
}

function storedSession(): Session | null {
  try {
    const session: Session | null = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return session && session.endsAt > Date.now() ? session : null;
  } catch {
    return null; // unreadable: as if logged out
  }
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState(storedSession);
  const [notice, setNotice] = useState<string | null>(null);
  const logIn = useCallback((login: LogIn) => {
    const next = { ...login, endsAt: endsAt(login.token) };
    forgetKept(next.user.id);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setSession(next);
    setNotice(null);
  }, []);
  const endSession = useCallback((why: string) => {
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
    setNotice(why);
  }, []);
  const logOut = useCallback(() => {
    forgetKept();
    localStorage.removeItem(STORAGE_KEY);
    setSession(null);
    setNotice(null);
  }, []);

  // The token's expiry ends the session while the app runs, not only at the next page load.
  useEffect(() => {
    if (!session) return;
    let timer: ReturnType<typeof setTimeout>;
    const check = () => {
      const left = session.endsAt - Date.now();
      if (left > 0) timer = setTimeout(check, Math.min(left, LONGEST_TIMEOUT_MS));
      else endSession(SESSION_ENDED);
    };
    check();
    return () => clearTimeout(timer);
  }, [session, endSession]);

  const state = useMemo(() => ({ session, notice, logIn, logOut, endSession }), [session, notice, logIn, logOut, endSession]);
  return <SessionContext.Provider value={state}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession needs a SessionProvider');
  return state;
}
