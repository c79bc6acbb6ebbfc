/**
 * Log in: workspace, e-mail and password (`POST /api/v1/auth/login`). The workspace is remembered
 * for next time and may be given in the URL (`/login?workspace=demo-cdnow`). Wrong credentials get
 * one message whatever was wrong, as the API answers.
 */
import { type FormEvent, useId, useState } from 'react';
import { ApiError, useLogin } from '../../api';
import { Logo } from '../../components/logo';
import { LanguageSelect, ThemeSelect } from '../../components/preference-controls';
import { useI18n } from '../../i18n/i18n';
import { useLocation } from '../../router';

const WORKSPACE_KEY = 'retain.workspace';

function rememberedWorkspace(fromUrl: string | null): string {
  if (fromUrl) return fromUrl;
  try {
    return localStorage.getItem(WORKSPACE_KEY) ?? '';
  } catch {
    return '';
  }
}

export default function LoginPage() {
  const { t } = useI18n();
  const { search } = useLocation();
  const login = useLogin();
  const [workspace, setWorkspace] = useState(() => rememberedWorkspace(search.get('workspace')));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const errorId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    try {
      localStorage.setItem(WORKSPACE_KEY, workspace.trim());
    } catch {
      // not remembered when storage is disabled
    }
    login.mutate({ workspace: workspace.trim(), email: email.trim(), password });
  };

  let error: string | null = null;
  if (login.error instanceof ApiError) {
    if (login.error.status === 401 || login.error.status === 400) error = t('auth.wrongCredentials');
    else if (login.error.status === 429)
      error = t('auth.throttled', { seconds: login.error.retryAfter ?? 60 });
    else if (login.error.status === 0) error = t('error.network');
    else error = t('error.unexpected');
  } else if (login.error) {
    error = t('error.unexpected');
  }

  return (
    <div className="login">
      <header className="login-tools">
        <LanguageSelect />
        <ThemeSelect />
      </header>
      <main className="login-card">
        <div className="brand">
          <Logo />
          <span className="brand-name">{t('app.name')}</span>
        </div>
        <h1>{t('auth.title')}</h1>
        <p className="login-intro">{t('auth.intro')}</p>
        <form className="login-form" onSubmit={submit}>
          <label className="field">
            <span className="field-label">{t('auth.workspace')}</span>
            <input
              className="input"
              name="workspace"
              autoComplete="organization"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={workspace}
              onChange={(event) => setWorkspace(event.target.value)}
              aria-describedby={error ? errorId : undefined}
            />
          </label>
          <label className="field">
            <span className="field-label">{t('auth.email')}</span>
            <input
              className="input"
              name="email"
              type="email"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              aria-describedby={error ? errorId : undefined}
            />
          </label>
          <label className="field">
            <span className="field-label">{t('auth.password')}</span>
            <input
              className="input"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-describedby={error ? errorId : undefined}
            />
          </label>
          {error && (
            <p id={errorId} className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button" disabled={login.isPending}>
            {login.isPending ? t('auth.signingIn') : t('auth.signIn')}
          </button>
        </form>
      </main>
    </div>
  );
}
