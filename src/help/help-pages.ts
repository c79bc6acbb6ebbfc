/**
 * The public help centre's HTML, rendered on the server: complete, readable pages without
 * JavaScript (none is sent), each with its title, meta description, canonical URL, `lang`, and
 * `hreflang` alternates. Every value from the store or the request goes through `escapeHtml`;
 * article bodies are markdown-it's output with raw HTML off (help-markdown.ts).
 */
import { HELP_LOCALES, type HelpLocale } from './help-locales.js';
import { HELP_WORDS, type HelpWords } from './help-words.js';

/** Bumped when help.css changes, so browsers fetch the new one (it is cached for a day). */
export const HELP_CSS_VERSION = '1';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Tagged template: interpolated strings are escaped, `Html` values (already safe) kept. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}
type Part = string | number | Html | readonly Html[] | null | undefined | false;
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  parts.forEach((part, index) => {
    if (part instanceof Html) out += part.value;
    else if (Array.isArray(part)) out += part.map((item: Html) => item.value).join('');
    else if (part !== null && part !== undefined && part !== false) out += escapeHtml(String(part));
    out += strings[index + 1]!;
  });
  return new Html(out);
}

/** Where the site of one workspace lives, for links. */
export interface SiteUrls {
  /** Absolute origin, e.g. `https://help.example.com` (canonical and alternate links are absolute). */
  readonly origin: string;
  readonly workspaceSlug: string;
}

export function homePath(site: SiteUrls, locale: string): string {
  return `/help/${encodeURIComponent(site.workspaceSlug)}/${locale}`;
}
export function categoryPath(site: SiteUrls, locale: string, slug: string): string {
  return `${homePath(site, locale)}/categories/${encodeURIComponent(slug)}`;
}
export function sectionPath(site: SiteUrls, locale: string, slug: string): string {
  return `${homePath(site, locale)}/sections/${encodeURIComponent(slug)}`;
}
export function articlePath(site: SiteUrls, locale: string, article: { id: number; slug: string }): string {
  return `${homePath(site, locale)}/articles/${article.id}-${encodeURIComponent(article.slug)}`;
}
export function searchPath(site: SiteUrls, locale: string, query?: string): string {
  return `${homePath(site, locale)}/search${query === undefined ? '' : `?q=${encodeURIComponent(query)}`}`;
}

export interface PageFrame {
  readonly site: SiteUrls;
  readonly workspaceName: string;
  readonly locale: HelpLocale;
  readonly title: string;
  readonly description: string;
  /** Path of this page's canonical URL. */
  readonly canonicalPath: string;
  /** The same page in each language it exists in (path by locale), `x-default` the default's. */
  readonly alternates: Partial<Record<HelpLocale, string>>;
  readonly defaultLocale: HelpLocale;
  /** The query shown in the search box. */
  readonly query?: string;
  /** Pages not to be indexed (search results, not found). */
  readonly noindex?: boolean;
}

/** A complete page around `main`. */
export function renderPage(frame: PageFrame, main: Html): string {
  const words = HELP_WORDS[frame.locale];
  const absolute = (path: string) => `${frame.site.origin}${path}`;
  const alternates = HELP_LOCALES.flatMap((locale) => {
    const path = frame.alternates[locale];
    return path === undefined
      ? []
      : [html`<link rel="alternate" hreflang="${locale}" href="${absolute(path)}">`];
  });
  const defaultAlternate = frame.alternates[frame.defaultLocale];
  const languageLinks = HELP_LOCALES.flatMap((locale) => {
    const path = frame.alternates[locale];
    if (path === undefined) return [];
    const name = HELP_WORDS[locale].languageName;
    return [
      locale === frame.locale
        ? html`<li><a href="${path}" aria-current="true" lang="${locale}">${name}</a></li>`
        : html`<li><a href="${path}" hreflang="${locale}" lang="${locale}">${name}</a></li>`,
    ];
  });
  const page = html`<!doctype html>
<html lang="${frame.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}</title>
<meta name="description" content="${frame.description.slice(0, 300)}">
${frame.noindex ? html`<meta name="robots" content="noindex">` : ''}
<link rel="canonical" href="${absolute(frame.canonicalPath)}">
${alternates}${defaultAlternate === undefined ? '' : html`<link rel="alternate" hreflang="x-default" href="${absolute(defaultAlternate)}">`}
<meta name="color-scheme" content="light dark">
<link rel="stylesheet" href="/help/assets/help.css?v=${HELP_CSS_VERSION}">
</head>
<body>
<a class="skip" href="#main">${words.skipToContent}</a>
<header class="site">
<div class="wrap">
<div class="bar">
<a class="brand" href="${homePath(frame.site, frame.locale)}">${words.helpCentre(frame.workspaceName)}</a>
${languageLinks.length > 1 ? html`<nav class="languages" aria-label="${words.languages}"><ul>${languageLinks}</ul></nav>` : ''}
</div>
<form class="search" role="search" method="get" action="${searchPath(frame.site, frame.locale)}">
<label class="visually-hidden" for="q">${words.search}</label>
<input id="q" name="q" type="search" maxlength="200" value="${frame.query ?? ''}" placeholder="${words.searchPlaceholder}" autocomplete="off">
<button type="submit">${words.search}</button>
</form>
</div>
</header>
<main id="main" class="wrap">
${main}
</main>
<footer class="site"><div class="wrap">${words.helpCentre(frame.workspaceName)}</div></footer>
</body>
</html>
`;
  return page.value;
}

export interface Crumb {
  readonly label: string;
  readonly path: string;
}

export function breadcrumbs(words: HelpWords, crumbs: readonly Crumb[]): Html {
  return html`<nav class="crumbs" aria-label="${words.breadcrumbs}"><ol>${crumbs.map(
    (crumb) => html`<li><a href="${crumb.path}">${crumb.label}</a></li>`,
  )}</ol></nav>`;
}

export interface ListedArticle {
  readonly title: string;
  readonly path: string;
  readonly lang?: string;
}

export function articleList(articles: readonly ListedArticle[]): Html {
  return html`<ul class="articles">${articles.map(
    (article) =>
      html`<li><a href="${article.path}"${article.lang === undefined ? '' : html` lang="${article.lang}"`}>${article.title}</a></li>`,
  )}</ul>`;
}
