import { useState, type FormEvent } from 'react';
import { useSession } from '../session.tsx';
import { ThemeToggle } from '../theme.tsx';

const KEY_SHAPE = /^fd_[a-z0-9]+_[a-z0-9]+$/i;

export function SignInPage({ notice }: { notice: string | null }) {
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    if (!KEY_SHAPE.test(k)) return setProblem('An API key looks like fd_<prefix>_<secret>.');
    signIn(k);
  }

  return (
    <main className="sign-in" id="main">
      <form onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Sign in to Flowdeck</h1>
        <p className="muted">Paste an API key. It is kept only in this browser tab until you sign out or close it.</p>
        {notice && (
          <p className="notice" role="alert">
            {notice}
          </p>
        )}
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setProblem(null);
          }}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'api-key-problem' : undefined}
          required
        />
        {problem && (
          <p id="api-key-problem" className="field-error">
            {problem}
          </p>
        )}
        <button type="submit" className="primary">
          Sign in
        </button>
        <ThemeToggle />
      </form>
    </main>
  );
}
