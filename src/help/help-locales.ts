/**
 * The languages of the help centre: what articles, categories and the public site's own words can
 * be written in. English and Simplified Chinese; add a tag here and its words in help-words.ts.
 */

/** BCP 47 tags, as they appear in URLs and `lang` attributes. */
export const HELP_LOCALES = ['en', 'zh-CN'] as const;
export type HelpLocale = (typeof HELP_LOCALES)[number];

export const DEFAULT_HELP_LOCALE: HelpLocale = 'en';

/** True for a supported tag, spelled exactly (`zh-CN`, not `zh-cn`). */
export function isHelpLocale(value: unknown): value is HelpLocale {
  return typeof value === 'string' && (HELP_LOCALES as readonly string[]).includes(value);
}

/**
 * The supported tag `value` names, case-insensitively (`zh-cn` → `zh-CN`, `zh` → `zh-CN`,
 * `en-GB` → `en`), or `undefined`.
 */
export function matchHelpLocale(value: string): HelpLocale | undefined {
  const lower = value.trim().toLowerCase();
  const exact = HELP_LOCALES.find((locale) => locale.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const language = lower.split('-')[0];
  if (language === 'zh') return lower.includes('hant') || /-(tw|hk|mo)$/.test(lower) ? undefined : 'zh-CN';
  return HELP_LOCALES.find((locale) => locale.split('-')[0] === language);
}

/**
 * The best supported language of an `Accept-Language` header (its q-values honoured), else
 * `fallback`. O(length of the header), which is bounded to 512 characters read.
 * Example: `negotiateHelpLocale('fr;q=1, zh-CN;q=0.8, en;q=0.5', 'en')` → `'zh-CN'`.
 */
export function negotiateHelpLocale(header: string | undefined, fallback: HelpLocale): HelpLocale {
  if (header === undefined) return fallback;
  const ranges = header
    .slice(0, 512)
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';');
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag !== '' && range.q > 0)
    .sort((left, right) => right.q - left.q || left.index - right.index);
  for (const range of ranges) {
    const locale = matchHelpLocale(range.tag);
    if (locale !== undefined) return locale;
  }
  return fallback;
}
