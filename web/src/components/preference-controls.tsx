/** The language and theme choices, shown in the header and on the login page. */
import { LOCALES, type Locale, useI18n } from '../i18n/i18n';
import { THEME_CHOICES, type ThemeChoice, useTheme } from '../theme';

/** Each language named in itself, whatever the page's language. */
const LANGUAGE_NAMES: Readonly<Record<Locale, 'language.en' | 'language.zhCN'>> = {
  en: 'language.en',
  'zh-CN': 'language.zhCN',
};

export function LanguageSelect() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label>
      <span className="visually-hidden">{t('header.language')}</span>
      <select
        className="select select-compact"
        value={locale}
        onChange={(event) => setLocale(event.target.value as Locale)}
      >
        {LOCALES.map((option) => (
          <option key={option} value={option} lang={option}>
            {t(LANGUAGE_NAMES[option])}
          </option>
        ))}
      </select>
    </label>
  );
}

const THEME_NAMES: Readonly<Record<ThemeChoice, 'theme.system' | 'theme.light' | 'theme.dark'>> = {
  system: 'theme.system',
  light: 'theme.light',
  dark: 'theme.dark',
};

export function ThemeSelect() {
  const { choice, setChoice } = useTheme();
  const { t } = useI18n();
  return (
    <label>
      <span className="visually-hidden">{t('header.theme')}</span>
      <select
        className="select select-compact"
        value={choice}
        onChange={(event) => setChoice(event.target.value as ThemeChoice)}
      >
        {THEME_CHOICES.map((option) => (
          <option key={option} value={option}>
            {t(THEME_NAMES[option])}
          </option>
        ))}
      </select>
    </label>
  );
}
