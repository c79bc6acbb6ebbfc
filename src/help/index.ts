/**
 * The help centre: articles in categories and sections, in Markdown, per language with a
 * fallback, drafts and versions; full-text search on both engines; the public server-rendered
 * site per workspace (`/help/{workspaceSlug}`) with "Was this helpful?"; suggestions and
 * deflections for the support desk's request form and chat; the report.
 */

export { type HelpPublicOptions, helpPublicRoutes } from './help.public.routes.js';
export { helpRoutes } from './help.routes.js';
export {
  createArticle,
  createCategory,
  createSection,
  deleteArticle,
  getArticle,
  type HelpArticle,
  type HelpCategory,
  type HelpSection,
  helpReport,
  listArticles,
  recordDeflection,
  recordVote,
  searchHelpCentre,
  updateArticle,
  updateHelpSettings,
} from './help.service.js';
export { DEFAULT_HELP_LOCALE, HELP_LOCALES, type HelpLocale, isHelpLocale } from './help-locales.js';
export { plainTextOf, renderArticleHtml } from './help-markdown.js';
export { type SearchPass, searchArticles, searchTermsOf } from './help-search.js';
