/**
 * The help centre's tables (migration 013) — the only code that queries them. Every query is
 * scoped by `workspace_id`.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import {
  type Database,
  fromJson,
  type HelpArticleStatus,
  type HelpDeflectionSource,
  type HelpTranslations,
  type RowId,
  toJson,
} from '../db/index.js';
import { DEFAULT_HELP_LOCALE, type HelpLocale, isHelpLocale } from './help-locales.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface HelpSettings {
  readonly defaultLocale: HelpLocale;
  /** Signs the public forms and keys the voters' hashes; never leaves the server. */
  readonly formKey: string;
}

export interface HelpCategory {
  readonly id: RowId;
  readonly slug: string;
  readonly position: number;
  readonly translations: HelpTranslations;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface HelpSection extends HelpCategory {
  readonly categoryId: RowId;
}

export interface HelpArticle {
  readonly id: RowId;
  readonly sectionId: RowId | null;
  readonly groupKey: string;
  readonly locale: string;
  readonly slug: string;
  readonly title: string;
  readonly body: string;
  readonly bodyText: string;
  readonly status: HelpArticleStatus;
  readonly position: number;
  readonly version: number;
  readonly publishedAt: number | null;
  readonly createdBy: RowId | null;
  readonly updatedBy: RowId | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface HelpArticleRevision {
  readonly version: number;
  readonly locale: string;
  readonly title: string;
  readonly body: string;
  readonly status: HelpArticleStatus;
  readonly createdBy: RowId | null;
  readonly createdAt: number;
}

/** The workspace's help settings, made with the defaults (and a new form key) on first use. */
export async function loadHelpSettings(db: Db, workspaceId: RowId, now: number): Promise<HelpSettings> {
  const found = await db
    .selectFrom('help_settings')
    .select(['default_locale', 'form_key'])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (found !== undefined) return toSettings(found);
  await db
    .insertInto('help_settings')
    .values({
      workspace_id: workspaceId,
      default_locale: DEFAULT_HELP_LOCALE,
      form_key: randomBytes(32).toString('base64url'),
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.column('workspace_id').doNothing())
    .execute();
  const made = await db
    .selectFrom('help_settings')
    .select(['default_locale', 'form_key'])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return toSettings(made);
}

function toSettings(row: { default_locale: string; form_key: string }): HelpSettings {
  return {
    defaultLocale: isHelpLocale(row.default_locale) ? row.default_locale : DEFAULT_HELP_LOCALE,
    formKey: row.form_key,
  };
}

export async function setDefaultLocale(db: Db, workspaceId: RowId, locale: HelpLocale, now: number) {
  await loadHelpSettings(db, workspaceId, now);
  await db
    .updateTable('help_settings')
    .set({ default_locale: locale, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .execute();
}

// --- categories and sections ---------------------------------------------------------------

type TreeRow = {
  id: RowId;
  slug: string;
  position: number;
  translations: string;
  created_at: number;
  updated_at: number;
};

function toCategory(row: TreeRow): HelpCategory {
  return {
    id: row.id,
    slug: row.slug,
    position: row.position,
    translations: fromJson<HelpTranslations>(row.translations),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSection(row: TreeRow & { category_id: RowId }): HelpSection {
  return { ...toCategory(row), categoryId: row.category_id };
}

export async function listCategoryRows(db: Db, workspaceId: RowId): Promise<HelpCategory[]> {
  const rows = await db
    .selectFrom('help_category')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map(toCategory);
}

export async function countCategories(db: Db, workspaceId: RowId): Promise<number> {
  const row = await db
    .selectFrom('help_category')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findCategory(db: Db, workspaceId: RowId, id: RowId): Promise<HelpCategory | undefined> {
  const row = await db
    .selectFrom('help_category')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toCategory(row);
}

export async function findCategoryBySlug(
  db: Db,
  workspaceId: RowId,
  slug: string,
): Promise<HelpCategory | undefined> {
  const row = await db
    .selectFrom('help_category')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row === undefined ? undefined : toCategory(row);
}

export interface TreeValues {
  readonly slug: string;
  readonly position: number;
  readonly translations: HelpTranslations;
}

export async function insertCategory(
  db: Db,
  workspaceId: RowId,
  values: TreeValues,
  now: number,
): Promise<HelpCategory> {
  const row = await db
    .insertInto('help_category')
    .values({
      workspace_id: workspaceId,
      slug: values.slug,
      position: values.position,
      translations: toJson(values.translations),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCategory(row);
}

export async function updateCategoryRow(
  db: Db,
  workspaceId: RowId,
  id: RowId,
  values: TreeValues,
  now: number,
): Promise<HelpCategory | undefined> {
  const row = await db
    .updateTable('help_category')
    .set({
      slug: values.slug,
      position: values.position,
      translations: toJson(values.translations),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toCategory(row);
}

export async function deleteCategoryRow(db: Db, workspaceId: RowId, id: RowId): Promise<boolean> {
  const result = await db
    .deleteFrom('help_category')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listSectionRows(
  db: Db,
  workspaceId: RowId,
  categoryId?: RowId,
): Promise<HelpSection[]> {
  let query = db.selectFrom('help_section').selectAll().where('workspace_id', '=', workspaceId);
  if (categoryId !== undefined) query = query.where('category_id', '=', categoryId);
  const rows = await query.orderBy('position').orderBy('id').execute();
  return rows.map(toSection);
}

export async function countSections(db: Db, workspaceId: RowId, categoryId?: RowId): Promise<number> {
  let query = db
    .selectFrom('help_section')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('workspace_id', '=', workspaceId);
  if (categoryId !== undefined) query = query.where('category_id', '=', categoryId);
  return Number((await query.executeTakeFirstOrThrow()).count);
}

export async function findSection(db: Db, workspaceId: RowId, id: RowId): Promise<HelpSection | undefined> {
  const row = await db
    .selectFrom('help_section')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toSection(row);
}

export async function findSectionBySlug(
  db: Db,
  workspaceId: RowId,
  slug: string,
): Promise<HelpSection | undefined> {
  const row = await db
    .selectFrom('help_section')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('slug', '=', slug)
    .executeTakeFirst();
  return row === undefined ? undefined : toSection(row);
}

export async function insertSection(
  db: Db,
  workspaceId: RowId,
  categoryId: RowId,
  values: TreeValues,
  now: number,
): Promise<HelpSection> {
  const row = await db
    .insertInto('help_section')
    .values({
      workspace_id: workspaceId,
      category_id: categoryId,
      slug: values.slug,
      position: values.position,
      translations: toJson(values.translations),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSection(row);
}

export async function updateSectionRow(
  db: Db,
  workspaceId: RowId,
  id: RowId,
  values: TreeValues & { readonly categoryId: RowId },
  now: number,
): Promise<HelpSection | undefined> {
  const row = await db
    .updateTable('help_section')
    .set({
      category_id: values.categoryId,
      slug: values.slug,
      position: values.position,
      translations: toJson(values.translations),
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toSection(row);
}

/** Deletes a section; its articles stay, filed under no section. */
export async function deleteSectionRow(db: Db, workspaceId: RowId, id: RowId): Promise<boolean> {
  await db
    .updateTable('help_article')
    .set({ section_id: null })
    .where('workspace_id', '=', workspaceId)
    .where('section_id', '=', id)
    .execute();
  const result = await db
    .deleteFrom('help_section')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// --- articles ------------------------------------------------------------------------------

const ARTICLE_COLUMNS = [
  'id',
  'section_id',
  'group_key',
  'locale',
  'slug',
  'title',
  'body',
  'body_text',
  'status',
  'position',
  'version',
  'published_at',
  'created_by',
  'updated_by',
  'created_at',
  'updated_at',
] as const;

type ArticleRow = {
  id: RowId;
  section_id: RowId | null;
  group_key: string;
  locale: string;
  slug: string;
  title: string;
  body: string;
  body_text: string;
  status: HelpArticleStatus;
  position: number;
  version: number;
  published_at: number | null;
  created_by: RowId | null;
  updated_by: RowId | null;
  created_at: number;
  updated_at: number;
};

function toArticle(row: ArticleRow): HelpArticle {
  return {
    id: row.id,
    sectionId: row.section_id,
    groupKey: row.group_key,
    locale: row.locale,
    slug: row.slug,
    title: row.title,
    body: row.body,
    bodyText: row.body_text,
    status: row.status,
    position: row.position,
    version: row.version,
    publishedAt: row.published_at,
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ArticleValues {
  readonly sectionId: RowId | null;
  readonly groupKey: string;
  readonly locale: string;
  readonly slug: string;
  readonly title: string;
  readonly body: string;
  readonly bodyText: string;
  readonly status: HelpArticleStatus;
  readonly position: number;
}

export async function insertArticle(
  db: Db,
  workspaceId: RowId,
  values: ArticleValues,
  by: RowId | null,
  now: number,
): Promise<HelpArticle> {
  const row = await db
    .insertInto('help_article')
    .values({
      workspace_id: workspaceId,
      section_id: values.sectionId,
      group_key: values.groupKey,
      locale: values.locale,
      slug: values.slug,
      title: values.title,
      body: values.body,
      body_text: values.bodyText,
      status: values.status,
      position: values.position,
      version: 1,
      published_at: values.status === 'published' ? now : null,
      created_by: by,
      updated_by: by,
      created_at: now,
      updated_at: now,
    })
    .returning(ARTICLE_COLUMNS)
    .executeTakeFirstOrThrow();
  const article = toArticle(row);
  await insertRevision(db, workspaceId, article, by, now);
  return article;
}

/** Writes the new values as the next version (and its revision); `undefined` for an unknown id. */
export async function updateArticleRow(
  db: Db,
  workspaceId: RowId,
  before: HelpArticle,
  values: ArticleValues,
  by: RowId | null,
  now: number,
): Promise<HelpArticle | undefined> {
  const row = await db
    .updateTable('help_article')
    .set({
      section_id: values.sectionId,
      slug: values.slug,
      title: values.title,
      body: values.body,
      body_text: values.bodyText,
      status: values.status,
      position: values.position,
      version: before.version + 1,
      published_at:
        values.status === 'published' ? (before.status === 'published' ? before.publishedAt : now) : null,
      updated_by: by,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', before.id)
    .where('version', '=', before.version)
    .returning(ARTICLE_COLUMNS)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const article = toArticle(row);
  await insertRevision(db, workspaceId, article, by, now);
  return article;
}

async function insertRevision(
  db: Db,
  workspaceId: RowId,
  article: HelpArticle,
  by: RowId | null,
  now: number,
) {
  await db
    .insertInto('help_article_revision')
    .values({
      workspace_id: workspaceId,
      article_id: article.id,
      version: article.version,
      locale: article.locale,
      title: article.title,
      body: article.body,
      status: article.status,
      created_by: by,
      created_at: now,
    })
    .execute();
}

export async function findArticle(db: Db, workspaceId: RowId, id: RowId): Promise<HelpArticle | undefined> {
  const row = await db
    .selectFrom('help_article')
    .select(ARTICLE_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toArticle(row);
}

export async function deleteArticleRow(db: Db, workspaceId: RowId, id: RowId): Promise<boolean> {
  const result = await db
    .deleteFrom('help_article')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export interface ArticleFilter {
  readonly locale?: string;
  readonly status?: HelpArticleStatus;
  readonly sectionId?: RowId | null;
  /** Ids below this one (the next page of a list in descending id order). */
  readonly before?: RowId;
  readonly limit: number;
}

/** Articles, newest id first. */
export async function listArticleRows(
  db: Db,
  workspaceId: RowId,
  filter: ArticleFilter,
): Promise<HelpArticle[]> {
  let query = db.selectFrom('help_article').select(ARTICLE_COLUMNS).where('workspace_id', '=', workspaceId);
  if (filter.locale !== undefined) query = query.where('locale', '=', filter.locale);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.sectionId === null) query = query.where('section_id', 'is', null);
  else if (filter.sectionId !== undefined) query = query.where('section_id', '=', filter.sectionId);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toArticle);
}

/** Published articles of the given sections in `locales`, by section, position and id. */
export async function listPublishedInSections(
  db: Db,
  workspaceId: RowId,
  sectionIds: readonly RowId[],
  locales: readonly string[],
  limit: number,
): Promise<HelpArticle[]> {
  if (sectionIds.length === 0) return [];
  const rows = await db
    .selectFrom('help_article')
    .select(ARTICLE_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'published')
    .where('section_id', 'in', [...sectionIds])
    .where('locale', 'in', [...locales])
    .orderBy('section_id')
    .orderBy('position')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toArticle);
}

/** The other language versions of an article's group (any status). */
export async function listGroupArticles(
  db: Db,
  workspaceId: RowId,
  groupKey: string,
): Promise<HelpArticle[]> {
  const rows = await db
    .selectFrom('help_article')
    .select(ARTICLE_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('group_key', '=', groupKey)
    .orderBy('id')
    .execute();
  return rows.map(toArticle);
}

export async function listRevisionRows(
  db: Db,
  workspaceId: RowId,
  articleId: RowId,
  limit: number,
): Promise<HelpArticleRevision[]> {
  const rows = await db
    .selectFrom('help_article_revision')
    .select(['version', 'locale', 'title', 'body', 'status', 'created_by', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('article_id', '=', articleId)
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    version: row.version,
    locale: row.locale,
    title: row.title,
    body: row.body,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }));
}

// --- what customers do: searches, votes, deflections ---------------------------------------

export async function insertSearch(
  db: Db,
  workspaceId: RowId,
  search: { query: string; locale: string; resultCount: number },
  now: number,
): Promise<void> {
  await db
    .insertInto('help_search')
    .values({
      workspace_id: workspaceId,
      query: search.query,
      locale: search.locale,
      result_count: search.resultCount,
      at: now,
    })
    .execute();
}

/** Records a vote; the same voter's earlier vote on the article is replaced. */
export async function upsertVote(
  db: Db,
  workspaceId: RowId,
  vote: { articleId: RowId; voterKey: string; helpful: boolean },
  now: number,
): Promise<void> {
  await db
    .insertInto('help_article_vote')
    .values({
      workspace_id: workspaceId,
      article_id: vote.articleId,
      voter_key: vote.voterKey,
      helpful: vote.helpful ? 1 : 0,
      at: now,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['workspace_id', 'article_id', 'voter_key'])
        .doUpdateSet({ helpful: vote.helpful ? 1 : 0, at: now }),
    )
    .execute();
}

export async function insertDeflection(
  db: Db,
  workspaceId: RowId,
  deflection: { articleId: RowId; source: HelpDeflectionSource; query: string | null },
  now: number,
): Promise<void> {
  await db
    .insertInto('help_deflection')
    .values({
      workspace_id: workspaceId,
      article_id: deflection.articleId,
      source: deflection.source,
      query: deflection.query,
      at: now,
    })
    .execute();
}

export interface ReportRange {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

export async function topSearches(db: Db, workspaceId: RowId, range: ReportRange, onlyEmpty: boolean) {
  let query = db
    .selectFrom('help_search')
    .select((eb) => [
      'query',
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.max('result_count').as('results'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('at', '>=', range.from)
    .where('at', '<', range.to);
  if (onlyEmpty) query = query.where('result_count', '=', 0);
  const rows = await query
    .groupBy('query')
    .orderBy('count', 'desc')
    .orderBy('query')
    .limit(range.limit)
    .execute();
  return rows.map((row) => ({ query: row.query, count: Number(row.count), results: Number(row.results) }));
}

export async function searchTotals(db: Db, workspaceId: RowId, range: ReportRange) {
  const row = await db
    .selectFrom('help_search')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      eb.fn
        .sum<number | string | null>(eb.case().when('result_count', '=', 0).then(1).else(0).end())
        .as('empty'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('at', '>=', range.from)
    .where('at', '<', range.to)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), withoutResult: Number(row.empty ?? 0) };
}

export async function deflectionsByArticle(db: Db, workspaceId: RowId, range: ReportRange) {
  const rows = await db
    .selectFrom('help_deflection as d')
    .innerJoin('help_article as a', (join) =>
      join.onRef('a.workspace_id', '=', 'd.workspace_id').onRef('a.id', '=', 'd.article_id'),
    )
    .select((eb) => ['d.article_id', 'a.title', 'a.locale', eb.fn.countAll<number | string>().as('count')])
    .where('d.workspace_id', '=', workspaceId)
    .where('d.at', '>=', range.from)
    .where('d.at', '<', range.to)
    .groupBy(['d.article_id', 'a.title', 'a.locale'])
    .orderBy('count', 'desc')
    .orderBy('d.article_id')
    .limit(range.limit)
    .execute();
  return rows.map((row) => ({
    articleId: row.article_id,
    title: row.title,
    locale: row.locale,
    count: Number(row.count),
  }));
}

export async function deflectionsBySource(db: Db, workspaceId: RowId, range: ReportRange) {
  const rows = await db
    .selectFrom('help_deflection')
    .select((eb) => ['source', eb.fn.countAll<number | string>().as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('at', '>=', range.from)
    .where('at', '<', range.to)
    .groupBy('source')
    .execute();
  return rows.map((row) => ({ source: row.source, count: Number(row.count) }));
}

/** Votes per article cast in the range, most votes first. */
export async function ratingsByArticle(db: Db, workspaceId: RowId, range: ReportRange) {
  const rows = await db
    .selectFrom('help_article_vote as v')
    .innerJoin('help_article as a', (join) =>
      join.onRef('a.workspace_id', '=', 'v.workspace_id').onRef('a.id', '=', 'v.article_id'),
    )
    .select((eb) => [
      'v.article_id',
      'a.title',
      'a.locale',
      eb.fn.sum<number | string>('v.helpful').as('helpful'),
      eb.fn.countAll<number | string>().as('votes'),
    ])
    .where('v.workspace_id', '=', workspaceId)
    .where('v.at', '>=', range.from)
    .where('v.at', '<', range.to)
    .groupBy(['v.article_id', 'a.title', 'a.locale'])
    .orderBy('votes', 'desc')
    .orderBy('v.article_id')
    .limit(range.limit)
    .execute();
  return rows.map((row) => ({
    articleId: row.article_id,
    title: row.title,
    locale: row.locale,
    helpful: Number(row.helpful),
    notHelpful: Number(row.votes) - Number(row.helpful),
  }));
}
