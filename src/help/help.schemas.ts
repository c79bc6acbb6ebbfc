/**
 * Zod schemas of the help centre API (they feed `/api/openapi.json`): bodies, parameters and
 * answers. Ids cross the API as decimal strings; instants as ISO 8601.
 */
import { z } from '@hono/zod-openapi';
import type { HelpArticle, HelpArticleRevision, HelpCategory, HelpSection } from './help.service.js';
import { MAX_ARTICLES_PAGE, MAX_SLUG_LENGTH, MAX_TITLE_LENGTH } from './help.service.js';
import { HELP_LOCALES } from './help-locales.js';
import { MAX_ARTICLE_BODY_LENGTH } from './help-markdown.js';
import { MAX_QUERY_LENGTH } from './help-search.js';

const instant = z.string().openapi({ format: 'date-time', example: '2026-06-15T12:00:00.000Z' });
const iso = (value: number) => new Date(value).toISOString();
const idText = z.string().max(40).regex(/^\d+$/, 'An id: decimal digits.');

export const LocaleSchema = z.enum(HELP_LOCALES).openapi({ description: 'A help centre language.' });
export const StatusSchema = z
  .enum(['draft', 'published'])
  .openapi({ description: '`draft`: seen only in the dashboard; `published`: on the public site.' });
const slug = z
  .string()
  .max(MAX_SLUG_LENGTH)
  .openapi({ description: 'Lower-case letters, digits and inner hyphens (default: from the title).' });
const title = z.string().min(1).max(MAX_TITLE_LENGTH);
const position = z
  .number()
  .int()
  .min(-1_000_000)
  .max(1_000_000)
  .openapi({ description: 'Order among siblings.' });

export const IdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The id.', example: '12' }),
});

export const CreateArticleBody = z
  .object({
    title,
    body: z
      .string()
      .max(MAX_ARTICLE_BODY_LENGTH)
      .openapi({
        description: `Markdown (raw HTML is shown as text), at most ${MAX_ARTICLE_BODY_LENGTH} characters.`,
      }),
    locale: LocaleSchema,
    status: StatusSchema,
    slug: slug.optional(),
    sectionId: idText
      .nullable()
      .optional()
      .openapi({ description: 'The section it is filed in (none: null).' }),
    position: position.optional(),
    translationOf: idText
      .optional()
      .openapi({ description: 'An article this one translates (one article per language in a group).' }),
  })
  .strict()
  .openapi('HelpArticleCreate', {
    example: {
      title: 'Refund policy',
      body: 'You can return goods within **30 days**.',
      locale: 'en',
      status: 'published',
    },
  });

export const UpdateArticleBody = z
  .object({
    title: title.optional(),
    body: z.string().max(MAX_ARTICLE_BODY_LENGTH).optional(),
    status: StatusSchema.optional(),
    slug: slug.optional(),
    sectionId: idText.nullable().optional(),
    position: position.optional(),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: 'The version the edit started from: a newer saved version answers 409.' }),
  })
  .strict()
  .openapi('HelpArticleUpdate');

export const ArticleListQuery = z.object({
  locale: LocaleSchema.optional(),
  status: StatusSchema.optional(),
  sectionId: z
    .string()
    .max(40)
    .optional()
    .openapi({ description: 'Only this section’s articles; `none`: articles in no section.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_ARTICLES_PAGE)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_ARTICLES_PAGE} (default 50).` }),
  cursor: z.string().max(40).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

export const ArticleSchema = z
  .object({
    id: z.string(),
    sectionId: z.string().nullable(),
    locale: z.string(),
    slug: z.string(),
    title: z.string(),
    body: z.string(),
    status: StatusSchema,
    position: z.number().int(),
    version: z.number().int().openapi({ description: 'Bumped by every change; each version is kept.' }),
    translationGroup: z.string().openapi({ description: 'Shared by the translations of one article.' }),
    publishedAt: instant.nullable(),
    createdAt: instant,
    updatedAt: instant,
  })
  .openapi('HelpArticle');

export function toArticleBody(article: HelpArticle): z.infer<typeof ArticleSchema> {
  return {
    id: String(article.id),
    sectionId: article.sectionId === null ? null : String(article.sectionId),
    locale: article.locale,
    slug: article.slug,
    title: article.title,
    body: article.body,
    status: article.status,
    position: article.position,
    version: article.version,
    translationGroup: article.groupKey,
    publishedAt: article.publishedAt === null ? null : iso(article.publishedAt),
    createdAt: iso(article.createdAt),
    updatedAt: iso(article.updatedAt),
  };
}

export const ArticleWithTranslationsSchema = ArticleSchema.extend({
  translations: z
    .array(z.object({ id: z.string(), locale: z.string(), title: z.string(), status: StatusSchema }))
    .openapi({ description: 'Every language version of the article, itself included.' }),
  url: z.string().nullable().openapi({ description: 'Its public page (published articles).' }),
}).openapi('HelpArticleWithTranslations');

export const ArticlePageSchema = z
  .object({ items: z.array(ArticleSchema), nextCursor: z.string().nullable() })
  .openapi('HelpArticlePage');

export const RevisionListSchema = z
  .object({
    items: z.array(
      z.object({
        version: z.number().int(),
        locale: z.string(),
        title: z.string(),
        body: z.string(),
        status: StatusSchema,
        createdBy: z.string().nullable(),
        createdAt: instant,
      }),
    ),
  })
  .openapi('HelpArticleRevisions');

export function toRevisionBody(revision: HelpArticleRevision) {
  return {
    version: revision.version,
    locale: revision.locale,
    title: revision.title,
    body: revision.body,
    status: revision.status,
    createdBy: revision.createdBy === null ? null : String(revision.createdBy),
    createdAt: iso(revision.createdAt),
  };
}

export const PreviewBody = z.object({ body: z.string().max(MAX_ARTICLE_BODY_LENGTH) }).strict();
export const PreviewSchema = z
  .object({ html: z.string().openapi({ description: 'The body as the public site shows it (safe HTML).' }) })
  .openapi('HelpPreview');

const translations = z
  .partialRecord(LocaleSchema, z.object({ title, description: z.string().max(500).optional() }).strict())
  .openapi({
    description:
      'Title (and description) per language; the default language’s is shown where one is missing.',
    example: {
      en: { title: 'Billing', description: 'Payments, invoices, refunds' },
      'zh-CN': { title: '账单' },
    },
  });

export const CreateCategoryBody = z
  .object({ slug: slug.optional(), position: position.optional(), translations })
  .strict()
  .openapi('HelpCategoryCreate');
export const UpdateCategoryBody = z
  .object({ slug: slug.optional(), position: position.optional(), translations: translations.optional() })
  .strict()
  .openapi('HelpCategoryUpdate');

export const CreateSectionBody = z
  .object({ categoryId: idText, slug: slug.optional(), position: position.optional(), translations })
  .strict()
  .openapi('HelpSectionCreate');
export const UpdateSectionBody = z
  .object({
    categoryId: idText.optional(),
    slug: slug.optional(),
    position: position.optional(),
    translations: translations.optional(),
  })
  .strict()
  .openapi('HelpSectionUpdate');

const treeFields = {
  id: z.string(),
  slug: z.string(),
  position: z.number().int(),
  translations: z.record(z.string(), z.object({ title: z.string(), description: z.string().optional() })),
  createdAt: instant,
  updatedAt: instant,
};
export const CategorySchema = z.object(treeFields).openapi('HelpCategory');
export const SectionSchema = z.object({ ...treeFields, categoryId: z.string() }).openapi('HelpSection');
export const CategoryListSchema = z.object({ items: z.array(CategorySchema) }).openapi('HelpCategoryList');
export const SectionListSchema = z.object({ items: z.array(SectionSchema) }).openapi('HelpSectionList');
export const SectionListQuery = z.object({
  categoryId: z.string().max(40).optional().openapi({ description: 'Only this category’s sections.' }),
});

export function toCategoryBody(category: HelpCategory): z.infer<typeof CategorySchema> {
  return {
    id: String(category.id),
    slug: category.slug,
    position: category.position,
    translations: { ...category.translations } as z.infer<typeof CategorySchema>['translations'],
    createdAt: iso(category.createdAt),
    updatedAt: iso(category.updatedAt),
  };
}
export function toSectionBody(section: HelpSection): z.infer<typeof SectionSchema> {
  return { ...toCategoryBody(section), categoryId: String(section.categoryId) };
}

export const SettingsSchema = z
  .object({
    defaultLocale: LocaleSchema.openapi({ description: 'The language pages and search fall back to.' }),
    locales: z
      .array(LocaleSchema)
      .openapi({ description: 'The languages the help centre can be written in.' }),
    url: z.string().openapi({ description: 'The public help centre’s address.' }),
  })
  .openapi('HelpSettings');
export const UpdateSettingsBody = z
  .object({ defaultLocale: LocaleSchema })
  .strict()
  .openapi('HelpSettingsUpdate');

export const ReportQuery = z.object({
  from: z
    .string()
    .max(40)
    .openapi({ description: 'Start instant (ISO 8601), included.', example: '2026-01-01T00:00:00Z' }),
  to: z
    .string()
    .max(40)
    .openapi({ description: 'End instant (ISO 8601), excluded.', example: '2026-02-01T00:00:00Z' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'Rows per list, 1–100 (default 20).' }),
});

const articleCount = z.object({
  articleId: z.string(),
  title: z.string(),
  locale: z.string(),
  count: z.number().int(),
});
export const ReportSchema = z
  .object({
    searches: z.number().int().openapi({ description: 'Public searches in the period.' }),
    searchesWithoutResult: z.number().int(),
    topSearches: z.array(z.object({ query: z.string(), count: z.number().int() })),
    noResultSearches: z.array(z.object({ query: z.string(), count: z.number().int() })),
    deflections: z.object({
      total: z.number().int().openapi({ description: '"This solved it" clicks on suggested articles.' }),
      bySource: z.object({
        help_centre: z.number().int(),
        request_form: z.number().int(),
        chat: z.number().int(),
      }),
      byArticle: z.array(articleCount),
    }),
    ratings: z
      .array(
        z.object({
          articleId: z.string(),
          title: z.string(),
          locale: z.string(),
          helpful: z.number().int(),
          notHelpful: z.number().int(),
        }),
      )
      .openapi({
        description: '"Was this helpful?" answers cast in the period, per article (latest answer per voter).',
      }),
  })
  .openapi('HelpReport');

// --- public ----------------------------------------------------------------------------------

export const PublicParams = z.object({
  workspaceSlug: z
    .string()
    .max(63)
    .openapi({
      param: { name: 'workspaceSlug', in: 'path' },
      description: 'The workspace’s slug.',
      example: 'acme',
    }),
});

export const PublicSearchQuery = z.object({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH)
    .openapi({ description: `The query, at most ${MAX_QUERY_LENGTH} characters.`, example: 'refund' }),
  locale: z
    .string()
    .max(20)
    .optional()
    .openapi({ description: 'The language (`en`, `zh-CN`; default: the help centre’s default language).' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .openapi({ description: 'Results, 1–20 (default 10).' }),
});

export const PublicResultsSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        snippet: z.string().openapi({ description: 'Plain text around the first matched word.' }),
        url: z.string().openapi({ description: 'The article’s public page (absolute).' }),
        locale: z
          .string()
          .openapi({ description: 'The article’s language (the default one for a fallback).' }),
      }),
    ),
  })
  .openapi('HelpSearchResults');

export const DeflectionBody = z
  .object({
    articleId: idText,
    source: z
      .enum(['help_centre', 'request_form', 'chat'])
      .openapi({ description: 'Where the suggestion was shown.' }),
    query: z.string().max(MAX_QUERY_LENGTH).optional().openapi({ description: 'The question typed.' }),
  })
  .strict()
  .openapi('HelpDeflection');
