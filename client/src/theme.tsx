// Light and dark: follows the system (prefers-color-scheme) until the user picks one; the pick
// is remembered on this device.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'flowdeck.theme';

const ThemeContext = createContext<{ choice: ThemeChoice; setChoice(c: ThemeChoice): void } | null>(null);

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoice] = useState<ThemeChoice>(() => (localStorage.getItem(STORAGE_KEY) as ThemeChoice | null) ?? 'system');
  useEffect(() => {
    if (choice === 'system') {
      localStorage.removeItem(STORAGE_KEY);
      delete document.documentElement.dataset.theme;
    } else {
      localStorage.setItem(STORAGE_KEY, choice);
      document.documentElement.dataset.theme = choice;
    }
  }, [choice]);
  const value = useMemo(() => ({ choice, setChoice }), [choice]);
  return <ThemeContext value={value}>{children}</ThemeContext>;
}

export function ThemeToggle() {
  const ctx = useContext(ThemeContext);
  if (!ctx) return null;
  return (
    <label className="theme-toggle">
      <span className="visually-hidden">Theme</span>
      <select value={ctx.choice} onChange={(e) => ctx.setChoice(e.target.value as ThemeChoice)} aria-label="Theme">
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
