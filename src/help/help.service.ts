/**
 * The help centre's rules: articles (Markdown, draft / published, one per language in a
 * translation group, every change a new version), categories and sections, the public reads
 * (with the fallback to the workspace's default language), search with its log, votes,
 * deflections and the report. Writes by people are audited.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type AuditActor, recordAudit } from '../audit/index.js';
import {
  type Database,
  type HelpArticleStatus,
  type HelpDeflectionSource,
  type HelpTranslations,
  isUniqueViolation,
  type RowId,
} from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type ArticleValues,
  countCategories,
  countSections,
  deflectionsByArticle,
  deflectionsBySource,
  deleteArticleRow,
  deleteCategoryRow,
  deleteSectionRow,
  findArticle,
  findCategory,
  findSection,
  type HelpArticle,
  type HelpArticleRevision,
  type HelpCategory,
  type HelpSection,
  type HelpSettings,
  insertArticle,
  insertCategory,
  insertDeflection,
  insertSearch,
  insertSection,
  listArticleRows,
  listCategoryRows,
  listGroupArticles,
  listRevisionRows,
  listSectionRows,
  loadHelpSettings,
  ratingsByArticle,
  searchTotals,
  setDefaultLocale,
  topSearches,
  updateArticleRow,
  updateCategoryRow,
  updateSectionRow,
  upsertVote,
} from './help.repository.js';
import { type HelpLocale, isHelpLocale } from './help-locales.js';
import { MAX_ARTICLE_BODY_LENGTH, plainTextOf } from './help-markdown.js';
import {
  MAX_QUERY_LENGTH,
  type SearchHit,
  type SearchPass,
  searchArticles,
  searchTermsOf,
  snippetOf,
} from './help-search.js';

export type { HelpArticle, HelpArticleRevision, HelpCategory, HelpSection, HelpSettings };

export const MAX_TITLE_LENGTH = 200;
export const MAX_SLUG_LENGTH = 80;
export const MAX_CATEGORIES = 200;
export const MAX_SECTIONS = 1_000;
export const MAX_ARTICLES_PAGE = 200;

const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$/;

/**
 * A URL slug from a title: lower-case ASCII letters and digits, other runs become `-`, accents
 * dropped, at most 80 characters; a title with no such letter (Chinese) gives `''`.
 * Example: `slugOf('Où est mon remboursement ?')` → `'ou-est-mon-remboursement'`.
 */
export function slugOf(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/g, '');
}

function invalid(path: string, message: string): RetainError {
  return new RetainError('invalid_input', message, [{ path: ['json', path], message }]);
}

function checkSlug(slug: string): string {
  if (!SLUG_SHAPE.test(slug)) {
    throw invalid('slug', 'A slug is 1–80 lower-case letters, digits and inner hyphens.');
  }
  return slug;
}

function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed === '' || trimmed.length > MAX_TITLE_LENGTH) {
    throw invalid('title', `A title has 1–${MAX_TITLE_LENGTH} characters.`);
  }
  return trimmed;
}

function checkTranslations(translations: HelpTranslations): HelpTranslations {
  const entries = Object.entries(translations);
  if (entries.length === 0) throw invalid('translations', 'Give a title in at least one language.');
  for (const [locale, value] of entries) {
    if (!isHelpLocale(locale)) throw invalid('translations', `"${locale}" is not a help centre language.`);
    checkTitle(value.title);
  }
  return Object.fromEntries(
    entries.map(([locale, value]) => [
      locale,
      {
        title: value.title.trim(),
        ...(value.description === undefined || value.description.trim() === ''
          ? {}
          : { description: value.description.trim() }),
      },
    ]),
  );
}

/** A slug for a new category/section/article: the given one, else from a title, else a random one. */
function slugFor(given: string | undefined, titles: readonly string[], prefix: string): string {
  if (given !== undefined) return checkSlug(given);
  for (const title of titles) {
    const slug = slugOf(title);
    if (slug !== '') return slug;
  }
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

// --- settings ------------------------------------------------------------------------------

export async function getHelpSettings(db: Kysely<Database>, workspaceId: RowId, now: number) {
  return loadHelpSettings(db, workspaceId, now);
}

export async function updateHelpSettings(
  db: Kysely<Database>,
  input: { workspaceId: RowId; defaultLocale: HelpLocale; actor: AuditActor; now: number },
): Promise<HelpSettings> {
  return db.transaction().execute(async (transaction) => {
    await setDefaultLocale(transaction, input.workspaceId, input.defaultLocale, input.now);
    await recordAudit(transaction, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'help.settings_updated',
      entity: 'help_settings',
      details: { defaultLocale: input.defaultLocale },
      at: input.now,
    });
    return loadHelpSettings(transaction, input.workspaceId, input.now);
  });
}

// --- categories and sections ---------------------------------------------------------------

export interface TreeInput {
  readonly slug?: string;
  readonly position?: number;
  readonly translations: HelpTranslations;
}

function conflictOnSlug<T>(kind: string, slug: string) {
  return (error: unknown): T => {
    if (isUniqueViolation(error)) throw new RetainError('conflict', `The ${kind} slug "${slug}" is taken.`);
    throw error;
  };
}

export async function listCategories(db: Kysely<Database>, workspaceId: RowId) {
  return listCategoryRows(db, workspaceId);
}

export async function createCategory(
  db: Kysely<Database>,
  input: TreeInput & { workspaceId: RowId; actor: AuditActor; now: number },
): Promise<HelpCategory> {
  const translations = checkTranslations(input.translations);
  const slug = slugFor(
    input.slug,
    Object.values(translations).map((value) => value.title),
    'category',
  );
  return db
    .transaction()
    .execute(async (transaction) => {
      if ((await countCategories(transaction, input.workspaceId)) >= MAX_CATEGORIES) {
        throw new RetainError('conflict', `A help centre has at most ${MAX_CATEGORIES} categories.`);
      }
      const category = await insertCategory(
        transaction,
        input.workspaceId,
        { slug, position: input.position ?? 0, translations },
        input.now,
      );
      await audit(transaction, input, 'help.category_created', 'help_category', category.id, { slug });
      return category;
    })
    .catch(conflictOnSlug<HelpCategory>('category', slug));
}

export async function updateCategory(
  db: Kysely<Database>,
  input: Partial<TreeInput> & { workspaceId: RowId; id: RowId; actor: AuditActor; now: number },
): Promise<HelpCategory> {
  const before = await findCategory(db, input.workspaceId, input.id);
  if (before === undefined) throw notFound('Category');
  const slug = input.slug === undefined ? before.slug : checkSlug(input.slug);
  const translations =
    input.translations === undefined ? before.translations : checkTranslations(input.translations);
  return db
    .transaction()
    .execute(async (transaction) => {
      const category = await updateCategoryRow(
        transaction,
        input.workspaceId,
        input.id,
        { slug, position: input.position ?? before.position, translations },
        input.now,
      );
      if (category === undefined) throw notFound('Category');
      await audit(transaction, input, 'help.category_updated', 'help_category', category.id, { slug });
      return category;
    })
    .catch(conflictOnSlug<HelpCategory>('category', slug));
}

/** Deletes an empty category; one with sections is a `conflict` (move or delete them first). */
export async function deleteCategory(
  db: Kysely<Database>,
  input: { workspaceId: RowId; id: RowId; actor: AuditActor; now: number },
): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    if ((await findCategory(transaction, input.workspaceId, input.id)) === undefined)
      throw notFound('Category');
    const sections = await countSections(transaction, input.workspaceId, input.id);
    if (sections > 0) {
      throw new RetainError(
        'conflict',
        `The category has ${sections} section(s): move or delete them before deleting it.`,
      );
    }
    await deleteCategoryRow(transaction, input.workspaceId, input.id);
    await audit(transaction, input, 'help.category_deleted', 'help_category', input.id, {});
  });
}

export async function listSections(db: Kysely<Database>, workspaceId: RowId, categoryId?: RowId) {
  return listSectionRows(db, workspaceId, categoryId);
}

export async function createSection(
  db: Kysely<Database>,
  input: TreeInput & { workspaceId: RowId; categoryId: RowId; actor: AuditActor; now: number },
): Promise<HelpSection> {
  const translations = checkTranslations(input.translations);
  const slug = slugFor(
    input.slug,
    Object.values(translations).map((value) => value.title),
    'section',
  );
  return db
    .transaction()
    .execute(async (transaction) => {
      if ((await findCategory(transaction, input.workspaceId, input.categoryId)) === undefined) {
        throw invalid('categoryId', 'No such category in this workspace.');
      }
      if ((await countSections(transaction, input.workspaceId)) >= MAX_SECTIONS) {
        throw new RetainError('conflict', `A help centre has at most ${MAX_SECTIONS} sections.`);
      }
      const section = await insertSection(
        transaction,
        input.workspaceId,
        input.categoryId,
        { slug, position: input.position ?? 0, translations },
        input.now,
      );
      await audit(transaction, input, 'help.section_created', 'help_section', section.id, { slug });
      return section;
    })
    .catch(conflictOnSlug<HelpSection>('section', slug));
}

export async function updateSection(
  db: Kysely<Database>,
  input: Partial<TreeInput> & {
    workspaceId: RowId;
    id: RowId;
    categoryId?: RowId;
    actor: AuditActor;
    now: number;
  },
): Promise<HelpSection> {
  const before = await findSection(db, input.workspaceId, input.id);
  if (before === undefined) throw notFound('Section');
  const slug = input.slug === undefined ? before.slug : checkSlug(input.slug);
  const translations =
    input.translations === undefined ? before.translations : checkTranslations(input.translations);
  const categoryId = input.categoryId ?? before.categoryId;
  return db
    .transaction()
    .execute(async (transaction) => {
      if ((await findCategory(transaction, input.workspaceId, categoryId)) === undefined) {
        throw invalid('categoryId', 'No such category in this workspace.');
      }
      const section = await updateSectionRow(
        transaction,
        input.workspaceId,
        input.id,
        { slug, position: input.position ?? before.position, translations, categoryId },
        input.now,
      );
      if (section === undefined) throw notFound('Section');
      await audit(transaction, input, 'help.section_updated', 'help_section', section.id, { slug });
      return section;
    })
    .catch(conflictOnSlug<HelpSection>('section', slug));
}

/** Deletes a section; its articles stay, filed under no section. */
export async function deleteSection(
  db: Kysely<Database>,
  input: { workspaceId: RowId; id: RowId; actor: AuditActor; now: number },
): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    if (!(await deleteSectionRow(transaction, input.workspaceId, input.id))) throw notFound('Section');
    await audit(transaction, input, 'help.section_deleted', 'help_section', input.id, {});
  });
}

// --- articles ------------------------------------------------------------------------------

export interface ArticleInput {
  readonly title: string;
  readonly body: string;
  readonly locale: string;
  readonly status: HelpArticleStatus;
  readonly slug?: string;
  readonly sectionId?: RowId | null;
  readonly position?: number;
  /** Another article this one translates: it joins that article's group. */
  readonly translationOf?: RowId;
}

function checkBody(body: string): string {
  if (body.length > MAX_ARTICLE_BODY_LENGTH) {
    throw invalid('body', `An article body has at most ${MAX_ARTICLE_BODY_LENGTH} characters.`);
  }
  return body;
}

async function checkSectionId(db: Kysely<Database>, workspaceId: RowId, sectionId: RowId | null) {
  if (sectionId !== null && (await findSection(db, workspaceId, sectionId)) === undefined) {
    throw invalid('sectionId', 'No such section in this workspace.');
  }
}

export async function createArticle(
  db: Kysely<Database>,
  input: ArticleInput & { workspaceId: RowId; userId: RowId | null; actor: AuditActor; now: number },
): Promise<HelpArticle> {
  if (!isHelpLocale(input.locale))
    throw invalid('locale', `"${input.locale}" is not a help centre language.`);
  const title = checkTitle(input.title);
  const body = checkBody(input.body);
  const sectionId = input.sectionId ?? null;
  await checkSectionId(db, input.workspaceId, sectionId);
  let groupKey = randomBytes(12).toString('base64url');
  if (input.translationOf !== undefined) {
    const source = await findArticle(db, input.workspaceId, input.translationOf);
    if (source === undefined) throw invalid('translationOf', 'No such article in this workspace.');
    groupKey = source.groupKey;
  }
  const values: ArticleValues = {
    sectionId,
    groupKey,
    locale: input.locale,
    slug: slugFor(input.slug, [title], 'article'),
    title,
    body,
    bodyText: plainTextOf(body),
    status: input.status,
    position: input.position ?? 0,
  };
  try {
    return await db.transaction().execute(async (transaction) => {
      const article = await insertArticle(transaction, input.workspaceId, values, input.userId, input.now);
      await audit(transaction, input, 'help.article_created', 'help_article', article.id, {
        locale: article.locale,
        status: article.status,
      });
      return article;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new RetainError('conflict', `The article already has a ${input.locale} translation.`);
    }
    throw error;
  }
}

export async function getArticle(db: Kysely<Database>, workspaceId: RowId, id: RowId): Promise<HelpArticle> {
  const article = await findArticle(db, workspaceId, id);
  if (article === undefined) throw notFound('Article');
  return article;
}

/** The article's translations (itself included), by id. */
export async function getTranslations(db: Kysely<Database>, workspaceId: RowId, article: HelpArticle) {
  return listGroupArticles(db, workspaceId, article.groupKey);
}

export async function updateArticle(
  db: Kysely<Database>,
  input: Partial<Omit<ArticleInput, 'locale' | 'translationOf'>> & {
    workspaceId: RowId;
    id: RowId;
    /** The version the change was made from: a stale one is a `conflict` (someone saved since). */
    expectedVersion?: number;
    userId: RowId | null;
    actor: AuditActor;
    now: number;
  },
): Promise<HelpArticle> {
  const before = await getArticle(db, input.workspaceId, input.id);
  if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
    throw new RetainError(
      'conflict',
      `The article was saved as version ${before.version} since version ${input.expectedVersion} was read.`,
    );
  }
  const title = input.title === undefined ? before.title : checkTitle(input.title);
  const body = input.body === undefined ? before.body : checkBody(input.body);
  const sectionId = input.sectionId === undefined ? before.sectionId : input.sectionId;
  if (input.sectionId !== undefined) await checkSectionId(db, input.workspaceId, sectionId);
  const values: ArticleValues = {
    sectionId,
    groupKey: before.groupKey,
    locale: before.locale,
    slug: input.slug === undefined ? before.slug : checkSlug(input.slug),
    title,
    body,
    bodyText: body === before.body ? before.bodyText : plainTextOf(body),
    status: input.status ?? before.status,
    position: input.position ?? before.position,
  };
  return db.transaction().execute(async (transaction) => {
    const article = await updateArticleRow(
      transaction,
      input.workspaceId,
      before,
      values,
      input.userId,
      input.now,
    );
    if (article === undefined) {
      throw new RetainError('conflict', 'The article was changed at the same time; read it again.');
    }
    await audit(transaction, input, 'help.article_updated', 'help_article', article.id, {
      version: article.version,
      status: article.status,
    });
    return article;
  });
}

export async function deleteArticle(
  db: Kysely<Database>,
  input: { workspaceId: RowId; id: RowId; actor: AuditActor; now: number },
): Promise<void> {
  await db.transaction().execute(async (transaction) => {
    if (!(await deleteArticleRow(transaction, input.workspaceId, input.id))) throw notFound('Article');
    await audit(transaction, input, 'help.article_deleted', 'help_article', input.id, {});
  });
}

export async function listArticles(
  db: Kysely<Database>,
  workspaceId: RowId,
  filter: {
    locale?: string;
    status?: HelpArticleStatus;
    sectionId?: RowId | null;
    before?: RowId;
    limit?: number;
  },
): Promise<{ items: HelpArticle[]; nextCursor: string | null }> {
  const limit = Math.min(MAX_ARTICLES_PAGE, filter.limit ?? 50);
  const items = await listArticleRows(db, workspaceId, {
    ...(filter.locale === undefined ? {} : { locale: filter.locale }),
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.sectionId === undefined ? {} : { sectionId: filter.sectionId }),
    ...(filter.before === undefined ? {} : { before: filter.before }),
    limit: limit + 1,
  });
  const more = items.length > limit;
  const page = items.slice(0, limit);
  return { items: page, nextCursor: more ? String(page[page.length - 1]!.id) : null };
}

export async function listRevisions(
  db: Kysely<Database>,
  workspaceId: RowId,
  articleId: RowId,
): Promise<HelpArticleRevision[]> {
  await getArticle(db, workspaceId, articleId);
  return listRevisionRows(db, workspaceId, articleId, 100);
}

async function audit(
  db: Kysely<Database>,
  input: { workspaceId: RowId; actor: AuditActor; now: number },
  action: string,
  entity: string,
  entityId: RowId,
  details: Record<string, unknown>,
) {
  await recordAudit(db, {
    workspaceId: input.workspaceId,
    actor: input.actor,
    action,
    entity,
    entityId,
    details: details as never,
    at: input.now,
  });
}

// --- public: search, votes, deflections ----------------------------------------------------

/** A search query as logged: trimmed, spaces collapsed, lower-cased, at most 200 characters. */
export function normaliseQuery(query: string): string {
  return query.replace(/\s+/g, ' ').trim().toLowerCase().slice(0, MAX_QUERY_LENGTH);
}

export interface SearchResult extends SearchHit {
  readonly snippet: string;
}

/**
 * Searches the published articles in `locale` (falling back to the default language for
 * articles not translated), best first. `log`: record the search for the report (public
 * searches; not the suggestions of each keystroke).
 */
export async function searchHelpCentre(
  db: Kysely<Database>,
  input: {
    workspaceId: RowId;
    dialect: 'sqlite' | 'postgres';
    query: string;
    locale: HelpLocale;
    defaultLocale: HelpLocale;
    limit: number;
    prefix?: boolean;
    log: boolean;
    now: number;
  },
): Promise<{ results: SearchResult[]; pass: SearchPass | null }> {
  const { hits, pass } = await searchArticles(db, input.dialect, {
    workspaceId: input.workspaceId,
    query: input.query,
    locales: [input.locale, input.defaultLocale],
    limit: input.limit,
    ...(input.prefix === undefined ? {} : { prefix: input.prefix }),
  });
  const terms = searchTermsOf(input.query);
  const results = hits.map((hit) => ({ ...hit, snippet: snippetOf(hit.bodyText, terms) }));
  const normalised = normaliseQuery(input.query);
  if (input.log && normalised !== '') {
    await insertSearch(
      db,
      input.workspaceId,
      { query: normalised, locale: input.locale, resultCount: results.length },
      input.now,
    );
  }
  return { results, pass };
}

/** A published article of the workspace, or `not_found` (drafts are not public). */
export async function getPublishedArticle(
  db: Kysely<Database>,
  workspaceId: RowId,
  id: RowId,
): Promise<HelpArticle> {
  const article = await findArticle(db, workspaceId, id);
  if (article === undefined || article.status !== 'published') throw notFound('Article');
  return article;
}

export async function recordVote(
  db: Kysely<Database>,
  input: { workspaceId: RowId; articleId: RowId; voterKey: string; helpful: boolean; now: number },
): Promise<void> {
  await getPublishedArticle(db, input.workspaceId, input.articleId);
  await upsertVote(db, input.workspaceId, input, input.now);
}

export const DEFLECTION_SOURCES: readonly HelpDeflectionSource[] = ['help_centre', 'request_form', 'chat'];

export async function recordDeflection(
  db: Kysely<Database>,
  input: {
    workspaceId: RowId;
    articleId: RowId;
    source: HelpDeflectionSource;
    query: string | null;
    now: number;
  },
): Promise<void> {
  await getPublishedArticle(db, input.workspaceId, input.articleId);
  const query = input.query === null ? null : normaliseQuery(input.query) || null;
  await insertDeflection(db, input.workspaceId, { ...input, query }, input.now);
}

/** The help centre report over [from, to): searches, searches without a result, deflections, ratings. */
export async function helpReport(
  db: Kysely<Database>,
  input: { workspaceId: RowId; from: number; to: number; limit?: number },
) {
  if (!(input.from < input.to)) {
    throw new RetainError('invalid_input', '`from` must be before `to`.', [
      { path: ['query', 'from'], message: 'Expected an instant before `to`.' },
    ]);
  }
  const range = { from: input.from, to: input.to, limit: Math.min(100, input.limit ?? 20) };
  const [totals, top, empty, byArticle, bySource, ratings] = [
    await searchTotals(db, input.workspaceId, range),
    await topSearches(db, input.workspaceId, range, false),
    await topSearches(db, input.workspaceId, range, true),
    await deflectionsByArticle(db, input.workspaceId, range),
    await deflectionsBySource(db, input.workspaceId, range),
    await ratingsByArticle(db, input.workspaceId, range),
  ];
  return {
    searches: totals.total,
    searchesWithoutResult: totals.withoutResult,
    topSearches: top.map((entry) => ({ query: entry.query, count: entry.count })),
    noResultSearches: empty.map((entry) => ({ query: entry.query, count: entry.count })),
    deflections: {
      total: bySource.reduce((sum, entry) => sum + entry.count, 0),
      bySource: Object.fromEntries(
        DEFLECTION_SOURCES.map((source) => [
          source,
          bySource.find((entry) => entry.source === source)?.count ?? 0,
        ]),
      ) as Record<HelpDeflectionSource, number>,
      byArticle,
    },
    ratings,
  };
}
