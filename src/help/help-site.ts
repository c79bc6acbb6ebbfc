/**
 * The public site's pages: gathers what a page shows (published articles only, in the page's
 * language with the default language filling in for articles not translated) and renders it
 * with help-pages.ts.
 */
import type { Kysely } from 'kysely';
import type { Database, HelpTranslations, RowId } from '../db/index.js';
import type { Workspace } from '../workspaces/workspace.repository.js';
import {
  findArticle,
  findCategory,
  findCategoryBySlug,
  findSection,
  findSectionBySlug,
  type HelpArticle,
  type HelpSettings,
  listArticleRows,
  listCategoryRows,
  listGroupArticles,
  listPublishedInSections,
  listSectionRows,
} from './help.repository.js';
import { type SearchResult, searchHelpCentre } from './help.service.js';
import { issueFormToken } from './help-form-token.js';
import { HELP_LOCALES, type HelpLocale, isHelpLocale } from './help-locales.js';
import { renderArticleHtml } from './help-markdown.js';
import {
  articleList,
  articlePath,
  breadcrumbs,
  type Crumb,
  categoryPath,
  Html,
  homePath,
  html,
  type ListedArticle,
  renderPage,
  type SiteUrls,
  searchPath,
  sectionPath,
} from './help-pages.js';
import { HELP_WORDS } from './help-words.js';

/** Most articles a listing page shows. */
const MAX_LISTED = 500;

export interface SiteContext {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  readonly workspace: Workspace;
  readonly settings: HelpSettings;
  readonly locale: HelpLocale;
  readonly urls: SiteUrls;
  readonly now: number;
}

/** A page: its status and HTML, or a redirect to the canonical address. */
export type SitePage =
  | { readonly kind: 'page'; readonly status: 200 | 404; readonly html: string }
  | { readonly kind: 'redirect'; readonly location: string };

/** The title in `locale`, else the default language's, else any. */
function titleIn(translations: HelpTranslations, locale: string, fallback: string) {
  const entry = translations[locale] ?? translations[fallback] ?? Object.values(translations)[0];
  return {
    title: entry?.title ?? '',
    description: entry?.description,
    lang:
      translations[locale] !== undefined
        ? undefined
        : Object.keys(translations).find((key) => translations[key] === entry),
  };
}

/** Keeps, per translation group, the article in `locale` when there is one, else the other. */
function preferLocale(articles: readonly HelpArticle[], locale: string): HelpArticle[] {
  const chosen = new Map<string, HelpArticle>();
  for (const article of articles) {
    const held = chosen.get(article.groupKey);
    if (held === undefined || (held.locale !== locale && article.locale === locale)) {
      chosen.set(article.groupKey, article);
    }
  }
  return articles.filter((article) => chosen.get(article.groupKey) === article);
}

function listed(context: SiteContext, articles: readonly HelpArticle[]): ListedArticle[] {
  return articles.map((article) => ({
    title: article.title,
    path: articlePath(context.urls, context.locale, article),
    ...(article.locale === context.locale ? {} : { lang: article.locale }),
  }));
}

function everyLocale(path: (locale: HelpLocale) => string): Partial<Record<HelpLocale, string>> {
  return Object.fromEntries(HELP_LOCALES.map((locale) => [locale, path(locale)]));
}

function frameOf(context: SiteContext) {
  return {
    site: context.urls,
    workspaceName: context.workspace.name,
    locale: context.locale,
    defaultLocale: context.settings.defaultLocale,
  };
}

function locales(context: SiteContext): string[] {
  return [...new Set([context.locale, context.settings.defaultLocale])];
}

export async function homePage(context: SiteContext): Promise<SitePage> {
  const words = HELP_WORDS[context.locale];
  const categories = await listCategoryRows(context.db, context.workspace.id);
  const unfiled = preferLocale(
    (
      await Promise.all(
        locales(context).map((locale) =>
          listArticleRows(context.db, context.workspace.id, {
            status: 'published',
            locale,
            sectionId: null,
            limit: 50,
          }),
        ),
      )
    ).flat(),
    context.locale,
  );
  const cards = categories.map((category) => {
    const { title, description, lang } = titleIn(
      category.translations,
      context.locale,
      context.settings.defaultLocale,
    );
    return html`<li${lang === undefined ? '' : html` lang="${lang}"`}><a href="${categoryPath(context.urls, context.locale, category.slug)}">${title}</a>${
      description === undefined ? '' : html`<p>${description}</p>`
    }</li>`;
  });
  const main = html`<h1>${words.helpCentre(context.workspace.name)}</h1>
<p class="lead">${words.homeDescription(context.workspace.name)}</p>
${cards.length > 0 ? html`<h2>${words.categories}</h2><ul class="cards">${cards}</ul>` : ''}
${unfiled.length > 0 ? html`<h2>${words.moreArticles}</h2>${articleList(listed(context, unfiled))}` : ''}
${cards.length === 0 && unfiled.length === 0 ? html`<p>${words.noArticles}</p>` : ''}`;
  return {
    kind: 'page',
    status: 200,
    html: renderPage(
      {
        ...frameOf(context),
        title: words.helpCentre(context.workspace.name),
        description: words.homeDescription(context.workspace.name),
        canonicalPath: homePath(context.urls, context.locale),
        alternates: everyLocale((locale) => homePath(context.urls, locale)),
      },
      main,
    ),
  };
}

export async function categoryPage(context: SiteContext, slug: string): Promise<SitePage> {
  const words = HELP_WORDS[context.locale];
  const category = await findCategoryBySlug(context.db, context.workspace.id, slug);
  if (category === undefined) return notFoundPage(context);
  const sections = await listSectionRows(context.db, context.workspace.id, category.id);
  const articles = preferLocale(
    await listPublishedInSections(
      context.db,
      context.workspace.id,
      sections.map((section) => section.id),
      locales(context),
      MAX_LISTED,
    ),
    context.locale,
  );
  const heading = titleIn(category.translations, context.locale, context.settings.defaultLocale);
  const blocks = sections.map((section) => {
    const name = titleIn(section.translations, context.locale, context.settings.defaultLocale);
    const inSection = articles.filter((article) => article.sectionId === section.id);
    return html`<h2${name.lang === undefined ? '' : html` lang="${name.lang}"`}><a href="${sectionPath(context.urls, context.locale, section.slug)}">${name.title}</a></h2>
${inSection.length > 0 ? articleList(listed(context, inSection)) : html`<p>${words.noArticles}</p>`}`;
  });
  const main = html`${breadcrumbs(words, [{ label: words.home, path: homePath(context.urls, context.locale) }])}
<h1>${heading.title}</h1>
${heading.description === undefined ? '' : html`<p class="lead">${heading.description}</p>`}
${blocks.length > 0 ? blocks : html`<p>${words.noArticles}</p>`}`;
  return {
    kind: 'page',
    status: 200,
    html: renderPage(
      {
        ...frameOf(context),
        title: `${heading.title} · ${words.helpCentre(context.workspace.name)}`,
        description: heading.description ?? heading.title,
        canonicalPath: categoryPath(context.urls, context.locale, category.slug),
        alternates: everyLocale((locale) => categoryPath(context.urls, locale, category.slug)),
      },
      main,
    ),
  };
}

export async function sectionPage(context: SiteContext, slug: string): Promise<SitePage> {
  const words = HELP_WORDS[context.locale];
  const section = await findSectionBySlug(context.db, context.workspace.id, slug);
  if (section === undefined) return notFoundPage(context);
  const category = await findCategory(context.db, context.workspace.id, section.categoryId);
  const articles = preferLocale(
    await listPublishedInSections(
      context.db,
      context.workspace.id,
      [section.id],
      locales(context),
      MAX_LISTED,
    ),
    context.locale,
  );
  const heading = titleIn(section.translations, context.locale, context.settings.defaultLocale);
  const crumbs: Crumb[] = [{ label: words.home, path: homePath(context.urls, context.locale) }];
  if (category !== undefined) {
    crumbs.push({
      label: titleIn(category.translations, context.locale, context.settings.defaultLocale).title,
      path: categoryPath(context.urls, context.locale, category.slug),
    });
  }
  const main = html`${breadcrumbs(words, crumbs)}
<h1>${heading.title}</h1>
${heading.description === undefined ? '' : html`<p class="lead">${heading.description}</p>`}
${articles.length > 0 ? articleList(listed(context, articles)) : html`<p>${words.noArticles}</p>`}`;
  return {
    kind: 'page',
    status: 200,
    html: renderPage(
      {
        ...frameOf(context),
        title: `${heading.title} · ${words.helpCentre(context.workspace.name)}`,
        description: heading.description ?? heading.title,
        canonicalPath: sectionPath(context.urls, context.locale, section.slug),
        alternates: everyLocale((locale) => sectionPath(context.urls, locale, section.slug)),
      },
      main,
    ),
  };
}

export async function articlePage(
  context: SiteContext,
  id: RowId,
  slug: string,
  feedback: 'thanks' | 'expired' | undefined,
): Promise<SitePage> {
  const words = HELP_WORDS[context.locale];
  const group = await (async () => {
    const article = await findArticle(context.db, context.workspace.id, id);
    if (article === undefined || article.status !== 'published') return undefined;
    const published = (await listGroupArticles(context.db, context.workspace.id, article.groupKey)).filter(
      (candidate) => candidate.status === 'published',
    );
    return { article, published };
  })();
  if (group === undefined) return notFoundPage(context);
  const { article, published } = group;
  // The article in the page's language when there is one; another language's only as a fallback.
  const translated = published.find((candidate) => candidate.locale === context.locale);
  if (translated !== undefined && translated.id !== article.id) {
    return { kind: 'redirect', location: articlePath(context.urls, context.locale, translated) };
  }
  if (article.slug !== slug)
    return { kind: 'redirect', location: articlePath(context.urls, context.locale, article) };

  const section =
    article.sectionId === null
      ? undefined
      : await findSection(context.db, context.workspace.id, article.sectionId);
  const category =
    section === undefined
      ? undefined
      : await findCategory(context.db, context.workspace.id, section.categoryId);
  const crumbs: Crumb[] = [{ label: words.home, path: homePath(context.urls, context.locale) }];
  if (category !== undefined) {
    crumbs.push({
      label: titleIn(category.translations, context.locale, context.settings.defaultLocale).title,
      path: categoryPath(context.urls, context.locale, category.slug),
    });
  }
  if (section !== undefined) {
    crumbs.push({
      label: titleIn(section.translations, context.locale, context.settings.defaultLocale).title,
      path: sectionPath(context.urls, context.locale, section.slug),
    });
  }
  const siblings =
    section === undefined
      ? []
      : preferLocale(
          await listPublishedInSections(context.db, context.workspace.id, [section.id], locales(context), 50),
          context.locale,
        )
          .filter((candidate) => candidate.groupKey !== article.groupKey)
          .slice(0, 10);
  const updated = new Intl.DateTimeFormat(context.locale, {
    dateStyle: 'long',
    timeZone: context.workspace.settings.timeZone,
  }).format(new Date(article.updatedAt));
  const fallback = article.locale !== context.locale;
  const articleLanguage = isHelpLocale(article.locale)
    ? HELP_WORDS[article.locale].languageName
    : article.locale;
  const token = issueFormToken(context.settings.formKey, article.id, context.now);
  const ownPath = articlePath(context.urls, context.locale, article);
  const feedbackBlock =
    feedback === 'thanks'
      ? html`<section class="feedback" id="feedback" aria-live="polite"><p role="status">${words.thanks}</p></section>`
      : html`<section class="feedback" id="feedback">
${feedback === 'expired' ? html`<p role="alert">${words.formExpired}</p>` : ''}
<form method="post" action="${ownPath}/feedback">
<fieldset>
<legend>${words.wasThisHelpful}</legend>
<input type="hidden" name="token" value="${token}">
<button type="submit" name="helpful" value="yes">${words.yes}</button>
<button type="submit" name="helpful" value="no" class="secondary">${words.no}</button>
</fieldset>
</form>
</section>`;
  const alternates: Partial<Record<HelpLocale, string>> = {};
  for (const version of published) {
    if (isHelpLocale(version.locale))
      alternates[version.locale] = articlePath(context.urls, version.locale, version);
  }
  const main = html`${breadcrumbs(words, crumbs)}
<article${fallback ? html` lang="${article.locale}"` : ''}>
<h1>${article.title}</h1>
<p class="meta">${words.updated(updated)}</p>
${fallback ? html`<p class="notice" lang="${context.locale}">${words.fallbackNotice(articleLanguage)}</p>` : ''}
<div class="body-text">${new Html(renderArticleHtml(article.body))}</div>
</article>
${feedbackBlock}
${siblings.length > 0 ? html`<h2>${words.inSection}</h2>${articleList(listed(context, siblings))}` : ''}`;
  return {
    kind: 'page',
    status: 200,
    html: renderPage(
      {
        ...frameOf(context),
        title: `${article.title} · ${words.helpCentre(context.workspace.name)}`,
        description: article.bodyText.replace(/\s+/g, ' ').slice(0, 160),
        // A fallback page is the same article as its own language's page: that one is canonical.
        canonicalPath: articlePath(
          context.urls,
          isHelpLocale(article.locale) ? article.locale : context.locale,
          article,
        ),
        alternates,
      },
      main,
    ),
  };
}

export async function searchPage(context: SiteContext, query: string): Promise<SitePage> {
  const words = HELP_WORDS[context.locale];
  const trimmed = query.trim().slice(0, 200);
  let results: SearchResult[] = [];
  if (trimmed !== '') {
    results = (
      await searchHelpCentre(context.db, {
        workspaceId: context.workspace.id,
        dialect: context.dialect,
        query: trimmed,
        locale: context.locale,
        defaultLocale: context.settings.defaultLocale,
        limit: 20,
        log: true,
        now: context.now,
      })
    ).results;
  }
  const title = trimmed === '' ? words.search : words.searchTitle(trimmed);
  const main = html`${breadcrumbs(words, [{ label: words.home, path: homePath(context.urls, context.locale) }])}
<h1>${title}</h1>
${
  trimmed === ''
    ? html`<p>${words.emptySearch}</p>`
    : results.length === 0
      ? html`<p>${words.noResults(trimmed)}</p><p>${words.noResultsHint}</p>`
      : html`<p class="meta" role="status">${words.results(results.length)}</p>
<ol class="results">${results.map(
          (result) =>
            html`<li${result.locale === context.locale ? '' : html` lang="${result.locale}"`}><a href="${articlePath(context.urls, context.locale, result)}">${result.title}</a><p>${result.snippet}</p></li>`,
        )}</ol>`
}`;
  return {
    kind: 'page',
    status: 200,
    html: renderPage(
      {
        ...frameOf(context),
        title: `${title} · ${words.helpCentre(context.workspace.name)}`,
        description: words.homeDescription(context.workspace.name),
        canonicalPath: searchPath(context.urls, context.locale, trimmed === '' ? undefined : trimmed),
        alternates: everyLocale((locale) =>
          searchPath(context.urls, locale, trimmed === '' ? undefined : trimmed),
        ),
        query: trimmed,
        noindex: true,
      },
      main,
    ),
  };
}

export function notFoundPage(context: SiteContext): SitePage {
  const words = HELP_WORDS[context.locale];
  const main = html`<h1>${words.notFoundTitle}</h1><p>${words.notFoundText}</p>
<p><a href="${homePath(context.urls, context.locale)}">${words.helpCentre(context.workspace.name)}</a></p>`;
  return {
    kind: 'page',
    status: 404,
    html: renderPage(
      {
        ...frameOf(context),
        title: `${words.notFoundTitle} · ${words.helpCentre(context.workspace.name)}`,
        description: words.notFoundText,
        canonicalPath: homePath(context.urls, context.locale),
        alternates: {},
        noindex: true,
      },
      main,
    ),
  };
}
