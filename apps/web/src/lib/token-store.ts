// Where the console keeps its refresh token, and how tabs that share one stay in step.
//
// Why sessionStorage for the refresh token (and only memory for the access token):
// - The access token is the bearer credential for every call; keeping it in a module variable
//   means it is never written anywhere an injected script or a browser extension can list it,
//   and it is gone when the tab closes.
// - The refresh token has to survive a reload, or every F5 would sign the user out. sessionStorage
//   survives reloads but not closing the tab, is never sent automatically (unlike a cookie, so no
//   CSRF), and is scoped to one tab (unlike localStorage, which lingers for every tab until cleared).
// - An httpOnly cookie would hide it from scripts entirely, but the contract's /auth/refresh takes
//   the token in the JSON body; the server's rotation and reuse detection limit what a leaked
//   token is worth (a replayed one revokes the whole family).
//
// A duplicated tab copies sessionStorage, so two tabs can hold the same token. Rotation would then
// make one tab's copy stale and trip reuse detection, signing both out. To avoid that, a tab that
// rotates announces {from, to} on a BroadcastChannel and tabs holding `from` adopt `to`; refreshes
// are serialised across tabs with the Web Locks API where the browser offers it.
//
// The same channel lets a newly opened tab join the session of an open one (it asks, an open tab
// offers its token), so a second tab does not ask to sign in again, while closing the last tab
// still ends the session as sessionStorage intends.

const STORAGE_KEY = 'ledgerbase.refreshToken';
const CHANNEL_NAME = 'ledgerbase.session';
const LOCK_NAME = 'ledgerbase.refresh';

type SessionMessage =
  | { type: 'rotated'; from: string; to: string }
  | { type: 'ended'; token: string }
  | { type: 'request' }
  | { type: 'offer'; token: string };

const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL_NAME);
let endedElsewhere: (() => void) | null = null;

function read(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the session then lasts until reload
  }
}

function write(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled or full: nothing else to do, the session ends at reload.
  }
}

if (channel) {
  channel.onmessage = (event: MessageEvent<SessionMessage>) => {
    const message = event.data;
    const current = read();
    if (!current) return;
    if (message.type === 'request')
      channel.postMessage({ type: 'offer', token: current } satisfies SessionMessage);
    if (message.type === 'rotated' && message.from === current) write(message.to);
    if (message.type === 'ended' && message.token === current) {
      write(null);
      endedElsewhere?.();
    }
  };
}

export const tokenStore = {
  getRefreshToken: read,

  /** Stores a freshly issued token (login) without telling other tabs: nobody else holds it. */
  setRefreshToken(token: string): void {
    write(token);
  },

  /** Replaces `from` by `to` here and in every other tab that still holds `from`. */
  rotate(from: string, to: string): void {
    write(to);
    channel?.postMessage({ type: 'rotated', from, to } satisfies SessionMessage);
  },

  /** Forgets the token here and in the tabs that share it (they were signed out with it). */
  clear(): void {
    const token = read();
    write(null);
    if (token) channel?.postMessage({ type: 'ended', token } satisfies SessionMessage);
  },

  /** For a tab that starts without a token: borrow the session of another open tab, if any. */
  adoptFromOtherTab(waitMs = 250): Promise<string | null> {
    if (!channel) return Promise.resolve(null);
    const ask = channel;
    return new Promise((resolve) => {
      const listener = (event: MessageEvent<SessionMessage>) => {
        if (event.data.type !== 'offer') return;
        finish(event.data.token);
      };
      const finish = (token: string | null) => {
        clearTimeout(timer);
        ask.removeEventListener('message', listener);
        if (token && !read()) write(token);
        resolve(read());
      };
      const timer = setTimeout(() => finish(null), waitMs);
      ask.addEventListener('message', listener);
      ask.postMessage({ type: 'request' } satisfies SessionMessage);
    });
  },

  onEndedElsewhere(listener: () => void): void {
    endedElsewhere = listener;
  },
};

/** Runs `fn` while holding a cross-tab lock, so two tabs never present the same token at once. */
export async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof navigator === 'undefined' || !('locks' in navigator) || !navigator.locks) return fn();
  return navigator.locks.request(LOCK_NAME, async () => {
    // Let a 'rotated' message posted by the tab that held the lock before us arrive first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return fn();
  });
}
