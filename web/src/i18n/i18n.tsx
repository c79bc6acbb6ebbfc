/**
 * The dashboard's one translation layer: every visible string is a key of the English table
 * (messages.ts: the shell's en.json and each page's messages/en.json), translated in the Chinese one
 * (the compiler checks that every English key has a Chinese text; i18n.test.ts checks the reverse
 * and that both use the same `{placeholders}`). The language is the one chosen in the
 * header (kept in localStorage), else the browser's first supported language, else English.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { en, type MessageKey, zhCN } from './messages';

export type { MessageKey };
export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

const MESSAGES: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = {
  en,
  'zh-CN': zhCN,
};

const STORAGE_KEY = 'retain.locale';

/** The locale for a list of browser languages (`navigator.languages`): Chinese → zh-CN, else en. */
export function localeFromLanguages(languages: readonly string[]): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

function initialLocale(): Locale {
  const stored = readStored();
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return localeFromLanguages(navigator.languages ?? [navigator.language]);
}

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the browser's language then
  }
}

export type Values = Readonly<Record<string, string | number>>;

/** `message` with each `{name}` replaced by `values[name]`. */
export function interpolate(message: string, values?: Values): string {
  if (!values) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

/** The text of `key` in `locale`. */
export function translate(locale: Locale, key: MessageKey, values?: Values): string {
  return interpolate(MESSAGES[locale][key], values);
}

export interface I18n {
  readonly locale: Locale;
  setLocale(locale: Locale): void;
  t(key: MessageKey, values?: Values): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { readonly children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, 'app.title');
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // not persisted when storage is disabled; the choice still applies to this page
    }
  }, []);
  const t = useCallback((key: MessageKey, values?: Values) => translate(locale, key, values), [locale]);
  const value = useMemo(() => ({ locale, setLocale, t }), [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language, its `t` and the setter. */
export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n needs an <I18nProvider> above it');
  return context;
}
