import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { session, type User } from '../../lib/api.ts';

interface AuthState {
  status: 'loading' | 'signed-in' | 'signed-out';
  user: User | null;
  /** Why the user is looking at the sign-in page, when it was not their choice. */
  notice: string | null;
  signIn(email: string, password: string): Promise<void>;
  register(email: string, password: string, name: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [user, setUser] = useState<User | null>(session.user);
  const [status, setStatus] = useState<AuthState['status']>('loading');
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    session.resume().then(
      (resumed) => {
        if (!active) return;
        setUser(resumed);
        setStatus(resumed ? 'signed-in' : 'signed-out');
      },
      () => {
        // The server could not be reached (or failed) while resuming: say so instead of silence.
        if (!active) return;
        setStatus('signed-out');
        setNotice('Could not reach the server to resume your session. Reload to try again, or sign in.');
      },
    );
    const unsubscribe = session.subscribe((next, reason) => {
      setUser(next);
      setStatus(next ? 'signed-in' : 'signed-out');
      if (reason === 'ended') {
        // Cached pages belong to the previous session: never show them to the next one.
        queryClient.clear();
        setNotice('Your session has ended. Please sign in again.');
      }
    });
    return () => {
      active = false;
      unsubscribe();
    };
  }, [queryClient]);

  const value = useMemo<AuthState>(
    () => ({
      status,
      user,
      notice,
      async signIn(email, password) {
        await session.login(email, password);
        setNotice(null);
      },
      async register(email, password, name) {
        await session.register(email, password, name);
        setNotice(null);
      },
      async signOut() {
        await session.logout().catch(() => {
          // Logging out locally matters more than telling the server; its token expires anyway.
        });
        queryClient.clear();
        setNotice('You have signed out.');
      },
    }),
    [status, user, notice, queryClient],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth must be used inside <AuthProvider>');
  return state;
}

/** The signed-in user; only for components rendered behind the sign-in gate. */
export function useUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useUser called while signed out');
  return user;
}
