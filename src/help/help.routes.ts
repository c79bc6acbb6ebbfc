/**
 * `/api/v1/help/…`: thin HTTP over the help service for the dashboard and API clients —
 * articles (with versions and translations), the editor's preview, categories, sections, the
 * settings and the report. Owners, admins, marketers and agents write the help centre; analysts
 * may read it and its report. Every query is scoped to the caller's workspace.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { actorOf } from '../auth/index.js';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type AppEnv,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  ArticleListQuery,
  ArticlePageSchema,
  ArticleSchema,
  ArticleWithTranslationsSchema,
  CategoryListSchema,
  CategorySchema,
  CreateArticleBody,
  CreateCategoryBody,
  CreateSectionBody,
  IdParams,
  PreviewBody,
  PreviewSchema,
  ReportQuery,
  ReportSchema,
  RevisionListSchema,
  SectionListQuery,
  SectionListSchema,
  SectionSchema,
  SettingsSchema,
  toArticleBody,
  toCategoryBody,
  toRevisionBody,
  toSectionBody,
  UpdateArticleBody,
  UpdateCategoryBody,
  UpdateSectionBody,
  UpdateSettingsBody,
} from './help.schemas.js';
import {
  createArticle,
  createCategory,
  createSection,
  deleteArticle,
  deleteCategory,
  deleteSection,
  getArticle,
  getHelpSettings,
  getTranslations,
  helpReport,
  listArticles,
  listCategories,
  listRevisions,
  listSections,
  updateArticle,
  updateCategory,
  updateHelpSettings,
  updateSection,
} from './help.service.js';
import { HELP_LOCALES } from './help-locales.js';
import { renderArticleHtml } from './help-markdown.js';
import { articlePath, homePath } from './help-pages.js';

const TAGS = ['Help centre'];
const writers = () => requireRole('marketer', 'agent');
const readers = () => requireRole('marketer', 'agent', 'analyst');
const NOT_WRITER =
  'The caller is an analyst (the help centre is written by owners, admins, marketers and agents)';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
const writeErrors = (specific: { 400?: string; 404?: string } = {}) =>
  authenticatedErrors({
    403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
    ...specific,
    ...JSON_BODY_ERRORS,
  });

/** Where the public site is reached: `RETAIN_PUBLIC_URL` when set, else this request's origin. */
export function publicOrigin(c: Context<AppEnv>, publicUrl: string | undefined): string {
  return (publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
}

function idOf(text: string, entity: string): number {
  const id = parseRowId(text);
  if (id === undefined) throw notFound(entity);
  return id;
}

/** An id in a body: an unknown one is a 400 naming the field (the service checks it exists). */
function bodyId(text: string, field: string): number {
  const id = parseRowId(text);
  if (id === undefined) {
    throw new RetainError('invalid_input', `No such ${field}.`, [
      { path: ['json', field], message: 'Unknown id.' },
    ]);
  }
  return id;
}

function instantOf(text: string, field: string): number {
  const value = Date.parse(text);
  if (!Number.isFinite(value)) {
    throw new RetainError('invalid_input', `\`${field}\` is not an ISO 8601 instant.`, [
      { path: ['query', field], message: 'Expected an ISO 8601 instant.' },
    ]);
  }
  return value;
}

const settingsRoute = createRoute({
  method: 'get',
  path: '/help/settings',
  operationId: 'getHelpSettings',
  tags: TAGS,
  summary: 'The help centre’s settings and public address',
  middleware: [readers()] as const,
  responses: { 200: json(SettingsSchema, 'The settings'), ...authenticatedErrors() },
});
const updateSettingsRoute = createRoute({
  method: 'patch',
  path: '/help/settings',
  operationId: 'updateHelpSettings',
  tags: TAGS,
  summary: 'Change the default language (audited)',
  middleware: [writers()] as const,
  request: body(UpdateSettingsBody),
  responses: {
    200: json(SettingsSchema, 'The settings'),
    ...writeErrors({ 400: 'Not a help centre language.' }),
  },
});

const listArticlesRoute = createRoute({
  method: 'get',
  path: '/help/articles',
  operationId: 'listHelpArticles',
  tags: TAGS,
  summary: 'A page of articles, newest first, drafts included',
  middleware: [readers()] as const,
  request: { query: ArticleListQuery },
  responses: { 200: json(ArticlePageSchema, 'A page'), ...authenticatedErrors() },
});
const createArticleRoute = createRoute({
  method: 'post',
  path: '/help/articles',
  operationId: 'createHelpArticle',
  tags: TAGS,
  summary: 'Write an article in one language, as a draft or published (audited)',
  description:
    'Its first version is kept. `translationOf` makes it a translation of another article: one article per language in a group (a second one: 409 `conflict`).',
  middleware: [writers()] as const,
  request: body(CreateArticleBody),
  responses: {
    201: json(ArticleSchema, 'The article (with its `id`)'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`), or `sectionId` / `translationOf` names no article or section of the workspace.',
    }),
  },
});
const getArticleRoute = createRoute({
  method: 'get',
  path: '/help/articles/{id}',
  operationId: 'getHelpArticle',
  tags: TAGS,
  summary: 'An article with its translations',
  middleware: [readers()] as const,
  request: { params: IdParams },
  responses: {
    200: json(ArticleWithTranslationsSchema, 'The article'),
    ...authenticatedErrors({ 404: 'No such article in the caller’s workspace.' }),
  },
});
const updateArticleRoute = createRoute({
  method: 'patch',
  path: '/help/articles/{id}',
  operationId: 'updateHelpArticle',
  tags: TAGS,
  summary: 'Change an article: a new version (the old one is kept; audited)',
  description: 'Someone saved a newer version than `version`: 409 `conflict`.',
  middleware: [writers()] as const,
  request: { params: IdParams, ...body(UpdateArticleBody) },
  responses: {
    200: json(ArticleSchema, 'The article'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`).',
      404: 'No such article in the caller’s workspace.',
    }),
  },
});
const deleteArticleRoute = createRoute({
  method: 'delete',
  path: '/help/articles/{id}',
  operationId: 'deleteHelpArticle',
  tags: TAGS,
  summary: 'Delete an article with its versions, votes and deflections (audited)',
  middleware: [writers()] as const,
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...authenticatedErrors({
      403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
      404: 'No such article in the caller’s workspace.',
    }),
  },
});
const revisionsRoute = createRoute({
  method: 'get',
  path: '/help/articles/{id}/revisions',
  operationId: 'listHelpArticleRevisions',
  tags: TAGS,
  summary: 'The article’s saved versions, newest first (at most 100)',
  middleware: [readers()] as const,
  request: { params: IdParams },
  responses: {
    200: json(RevisionListSchema, 'The versions'),
    ...authenticatedErrors({ 404: 'No such article in the caller’s workspace.' }),
  },
});
const previewRoute = createRoute({
  method: 'post',
  path: '/help/preview',
  operationId: 'previewHelpArticle',
  tags: TAGS,
  summary: 'Render Markdown as the public site would (nothing is stored)',
  middleware: [writers()] as const,
  request: body(PreviewBody),
  responses: { 200: json(PreviewSchema, 'The HTML'), ...writeErrors({ 400: 'The body is too long.' }) },
});

const listCategoriesRoute = createRoute({
  method: 'get',
  path: '/help/categories',
  operationId: 'listHelpCategories',
  tags: TAGS,
  summary: 'The categories, in order',
  middleware: [readers()] as const,
  responses: {
    200: json(CategoryListSchema, 'The categories'),
    ...authenticatedErrors(),
  },
});
const createCategoryRoute = createRoute({
  method: 'post',
  path: '/help/categories',
  operationId: 'createHelpCategory',
  tags: TAGS,
  summary: 'Add a category (audited)',
  description: 'The slug is taken, or the help centre has 200 categories: 409 `conflict`.',
  middleware: [writers()] as const,
  request: body(CreateCategoryBody),
  responses: {
    201: json(CategorySchema, 'The category'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`).',
    }),
  },
});
const updateCategoryRoute = createRoute({
  method: 'patch',
  path: '/help/categories/{id}',
  operationId: 'updateHelpCategory',
  tags: TAGS,
  summary: 'Rename, reorder or re-slug a category (audited)',
  description: 'The slug is taken: 409 `conflict`.',
  middleware: [writers()] as const,
  request: { params: IdParams, ...body(UpdateCategoryBody) },
  responses: {
    200: json(CategorySchema, 'The category'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`).',
      404: 'No such category in the caller’s workspace.',
    }),
  },
});
const deleteCategoryRoute = createRoute({
  method: 'delete',
  path: '/help/categories/{id}',
  operationId: 'deleteHelpCategory',
  tags: TAGS,
  summary: 'Delete an empty category (audited)',
  description: 'The category still has sections: 409 `conflict`.',
  middleware: [writers()] as const,
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...authenticatedErrors({
      403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
      404: 'No such category in the caller’s workspace.',
    }),
  },
});

const listSectionsRoute = createRoute({
  method: 'get',
  path: '/help/sections',
  operationId: 'listHelpSections',
  tags: TAGS,
  summary: 'The sections, in order',
  middleware: [readers()] as const,
  request: { query: SectionListQuery },
  responses: {
    200: json(SectionListSchema, 'The sections'),
    ...authenticatedErrors(),
  },
});
const createSectionRoute = createRoute({
  method: 'post',
  path: '/help/sections',
  operationId: 'createHelpSection',
  tags: TAGS,
  summary: 'Add a section to a category (audited)',
  description: 'The slug is taken, or the help centre has 1,000 sections: 409 `conflict`.',
  middleware: [writers()] as const,
  request: body(CreateSectionBody),
  responses: {
    201: json(SectionSchema, 'The section'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`), or `categoryId` names no category of the workspace.',
    }),
  },
});
const updateSectionRoute = createRoute({
  method: 'patch',
  path: '/help/sections/{id}',
  operationId: 'updateHelpSection',
  tags: TAGS,
  summary: 'Rename, move, reorder or re-slug a section (audited)',
  description: 'The slug is taken: 409 `conflict`.',
  middleware: [writers()] as const,
  request: { params: IdParams, ...body(UpdateSectionBody) },
  responses: {
    200: json(SectionSchema, 'The section'),
    ...writeErrors({
      400: 'A field is not valid (each named in `error.issues`), or `categoryId` names no category of the workspace.',
      404: 'No such section in the caller’s workspace.',
    }),
  },
});
const deleteSectionRoute = createRoute({
  method: 'delete',
  path: '/help/sections/{id}',
  operationId: 'deleteHelpSection',
  tags: TAGS,
  summary: 'Delete a section; its articles stay, in no section (audited)',
  middleware: [writers()] as const,
  request: { params: IdParams },
  responses: {
    204: { description: 'Deleted' },
    ...authenticatedErrors({
      403: `${NOT_WRITER}, or ${CSRF_REFUSED}.`,
      404: 'No such section in the caller’s workspace.',
    }),
  },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/help/report',
  operationId: 'getHelpReport',
  tags: TAGS,
  summary: 'Top searches, searches without a result, deflections and article ratings over [from, to)',
  middleware: [readers()] as const,
  request: { query: ReportQuery },
  responses: {
    200: json(ReportSchema, 'The report'),
    ...authenticatedErrors({
      400: 'A parameter is not valid, or `from` is not before `to`.',
    }),
  },
});

/** The admin routes of the help centre; mount under `/api/v1`. */
export function helpRoutes(options: { publicUrl?: string | undefined } = {}) {
  const router = createRouter();

  async function settingsBody(
    c: Context<AppEnv>,
    settings: { defaultLocale: (typeof HELP_LOCALES)[number] },
  ) {
    const workspace = await getWorkspace(c.get('services').db, c.get('auth').workspaceId);
    if (workspace === undefined) throw notFound('Workspace');
    return {
      defaultLocale: settings.defaultLocale,
      locales: [...HELP_LOCALES],
      url: `${publicOrigin(c, options.publicUrl)}${homePath({ origin: '', workspaceSlug: workspace.slug }, settings.defaultLocale)}`,
    };
  }

  router.openapi(settingsRoute, async (c) => {
    const { db, now } = c.get('services');
    const settings = await getHelpSettings(db, c.get('auth').workspaceId, now());
    return c.json(await settingsBody(c, settings), 200);
  });
  router.openapi(updateSettingsRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const settings = await updateHelpSettings(db, {
      workspaceId: auth.workspaceId,
      defaultLocale: c.req.valid('json').defaultLocale,
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(await settingsBody(c, settings), 200);
  });

  router.openapi(listArticlesRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await listArticles(c.get('services').db, c.get('auth').workspaceId, {
      ...(query.locale === undefined ? {} : { locale: query.locale }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.sectionId === undefined
        ? {}
        : { sectionId: query.sectionId === 'none' ? null : (parseRowId(query.sectionId) ?? -1) }),
      ...(query.cursor === undefined ? {} : { before: parseRowId(query.cursor) ?? 0 }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    return c.json({ items: page.items.map(toArticleBody), nextCursor: page.nextCursor }, 200);
  });

  router.openapi(createArticleRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const article = await createArticle(db, {
      workspaceId: auth.workspaceId,
      title: input.title,
      body: input.body,
      locale: input.locale,
      status: input.status,
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.sectionId === undefined
        ? {}
        : { sectionId: input.sectionId === null ? null : bodyId(input.sectionId, 'sectionId') }),
      ...(input.position === undefined ? {} : { position: input.position }),
      ...(input.translationOf === undefined
        ? {}
        : { translationOf: bodyId(input.translationOf, 'translationOf') }),
      userId: auth.userId,
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toArticleBody(article), 201);
  });

  router.openapi(getArticleRoute, async (c) => {
    const { db } = c.get('services');
    const auth = c.get('auth');
    const article = await getArticle(db, auth.workspaceId, idOf(c.req.valid('param').id, 'Article'));
    const translations = await getTranslations(db, auth.workspaceId, article);
    const workspace = await getWorkspace(db, auth.workspaceId);
    const url =
      article.status === 'published' && workspace !== undefined
        ? `${publicOrigin(c, options.publicUrl)}${articlePath({ origin: '', workspaceSlug: workspace.slug }, article.locale, article)}`
        : null;
    return c.json(
      {
        ...toArticleBody(article),
        translations: translations.map((version) => ({
          id: String(version.id),
          locale: version.locale,
          title: version.title,
          status: version.status,
        })),
        url,
      },
      200,
    );
  });

  router.openapi(updateArticleRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const article = await updateArticle(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Article'),
      ...(input.title === undefined ? {} : { title: input.title }),
      ...(input.body === undefined ? {} : { body: input.body }),
      ...(input.status === undefined ? {} : { status: input.status }),
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.sectionId === undefined
        ? {}
        : { sectionId: input.sectionId === null ? null : bodyId(input.sectionId, 'sectionId') }),
      ...(input.position === undefined ? {} : { position: input.position }),
      ...(input.version === undefined ? {} : { expectedVersion: input.version }),
      userId: auth.userId,
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toArticleBody(article), 200);
  });

  router.openapi(deleteArticleRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    await deleteArticle(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Article'),
      actor: actorOf(auth),
      now: now(),
    });
    return c.body(null, 204);
  });

  router.openapi(revisionsRoute, async (c) => {
    const revisions = await listRevisions(
      c.get('services').db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id, 'Article'),
    );
    return c.json({ items: revisions.map(toRevisionBody) }, 200);
  });

  router.openapi(previewRoute, (c) => c.json({ html: renderArticleHtml(c.req.valid('json').body) }, 200));

  router.openapi(listCategoriesRoute, async (c) => {
    const categories = await listCategories(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ items: categories.map(toCategoryBody) }, 200);
  });
  router.openapi(createCategoryRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const category = await createCategory(db, {
      workspaceId: auth.workspaceId,
      translations: input.translations,
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.position === undefined ? {} : { position: input.position }),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toCategoryBody(category), 201);
  });
  router.openapi(updateCategoryRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const category = await updateCategory(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Category'),
      ...(input.translations === undefined ? {} : { translations: input.translations }),
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.position === undefined ? {} : { position: input.position }),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toCategoryBody(category), 200);
  });
  router.openapi(deleteCategoryRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    await deleteCategory(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Category'),
      actor: actorOf(auth),
      now: now(),
    });
    return c.body(null, 204);
  });

  router.openapi(listSectionsRoute, async (c) => {
    const { categoryId } = c.req.valid('query');
    const sections = await listSections(
      c.get('services').db,
      c.get('auth').workspaceId,
      categoryId === undefined ? undefined : (parseRowId(categoryId) ?? -1),
    );
    return c.json({ items: sections.map(toSectionBody) }, 200);
  });
  router.openapi(createSectionRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const section = await createSection(db, {
      workspaceId: auth.workspaceId,
      categoryId: bodyId(input.categoryId, 'categoryId'),
      translations: input.translations,
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.position === undefined ? {} : { position: input.position }),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toSectionBody(section), 201);
  });
  router.openapi(updateSectionRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const section = await updateSection(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Section'),
      ...(input.categoryId === undefined ? {} : { categoryId: bodyId(input.categoryId, 'categoryId') }),
      ...(input.translations === undefined ? {} : { translations: input.translations }),
      ...(input.slug === undefined ? {} : { slug: input.slug }),
      ...(input.position === undefined ? {} : { position: input.position }),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toSectionBody(section), 200);
  });
  router.openapi(deleteSectionRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    await deleteSection(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id, 'Section'),
      actor: actorOf(auth),
      now: now(),
    });
    return c.body(null, 204);
  });

  router.openapi(reportRoute, async (c) => {
    const query = c.req.valid('query');
    const report = await helpReport(c.get('services').db, {
      workspaceId: c.get('auth').workspaceId,
      from: instantOf(query.from, 'from'),
      to: instantOf(query.to, 'to'),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    return c.json(
      {
        ...report,
        deflections: {
          ...report.deflections,
          byArticle: report.deflections.byArticle.map((entry) => ({
            ...entry,
            articleId: String(entry.articleId),
          })),
        },
        ratings: report.ratings.map((entry) => ({ ...entry, articleId: String(entry.articleId) })),
      },
      200,
    );
  });

  return router;
}
