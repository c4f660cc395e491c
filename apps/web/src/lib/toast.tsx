// Short notices ("Saved", "Changed elsewhere") in one polite live region, so screen readers
// hear them without losing their place.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';

type Tone = 'info' | 'success' | 'error';
interface Toast {
  id: number;
  message: string;
  tone: Tone;
  action?: { label: string; run: () => void };
}
type Push = (message: string, options?: { tone?: Tone; action?: Toast['action'] }) => void;

const ToastContext = createContext<Push>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((toast) => toast.id !== id)), []);

  const push = useCallback<Push>(
    (message, options = {}) => {
      const id = nextId.current++;
      const toast: Toast = {
        id,
        message,
        tone: options.tone ?? 'info',
        ...(options.action && { action: options.action }),
      };
      // Keep the last few only: a burst of live events should not bury the page.
      setToasts((all) => [...all.slice(-3), toast]);
      // Toasts with an action stay longer, to give keyboard users time to reach the button.
      setTimeout(() => dismiss(id), options.action ? 12000 : 5000);
    },
    [dismiss],
  );

  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <section className="toasts" aria-live="polite" aria-label="Notifications">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.tone}`}>
            <span>{toast.message}</span>
            {toast.action ? (
              <button
                type="button"
                className="button button-small"
                onClick={() => {
                  toast.action?.run();
                  dismiss(toast.id);
                }}
              >
                {toast.action.label}
              </button>
            ) : null}
            <button
              type="button"
              className="toast-close"
              aria-label="Dismiss notification"
              onClick={() => dismiss(toast.id)}
            >
              ×
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  );
}

export const useToast = (): Push => useContext(ToastContext);
