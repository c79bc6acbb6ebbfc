/**
 * The Help centre page's calls: articles (list, one, save, delete), the editor's preview,
 * categories and sections, the settings (the public address) and the report. Each change
 * refreshes what it touched.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiGetAt, apiPatch, apiPost, type BodyOf, type ResponseOf } from '../../api';

export type Article = ResponseOf<'/api/v1/help/articles'>['items'][number];
export type Category = ResponseOf<'/api/v1/help/categories'>['items'][number];
export type Section = ResponseOf<'/api/v1/help/sections'>['items'][number];
export type Report = ResponseOf<'/api/v1/help/report'>;
export type NewArticle = BodyOf<'/api/v1/help/articles'>;
export type ArticleChange = BodyOf<'/api/v1/help/articles/{id}', 'patch'>;

const ARTICLES = ['help', 'articles'] as const;
const TREE = ['help', 'tree'] as const;

export function useHelpSettings() {
  return useQuery({
    queryKey: ['help', 'settings'],
    queryFn: ({ signal }) => apiGet('/api/v1/help/settings', undefined, signal),
  });
}

export function useArticles() {
  return useQuery({
    queryKey: ARTICLES,
    queryFn: ({ signal }) => apiGet('/api/v1/help/articles', { limit: 200 }, signal),
  });
}

export function useArticle(id: string | null) {
  return useQuery({
    queryKey: ['help', 'article', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/help/articles/{id}', { id: id ?? '' }, signal),
    enabled: id !== null,
  });
}

export function useSaveArticle() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (save: { id: string | null; article: NewArticle; version?: number }) =>
      save.id === null
        ? apiPost('/api/v1/help/articles', save.article)
        : apiPatch(
            '/api/v1/help/articles/{id}',
            { id: save.id },
            {
              title: save.article.title,
              body: save.article.body,
              status: save.article.status,
              ...(save.article.sectionId === undefined ? {} : { sectionId: save.article.sectionId }),
              ...(save.version === undefined ? {} : { version: save.version }),
            },
          ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['help'] }),
  });
}

export function useDeleteArticle() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete('/api/v1/help/articles/{id}', { id }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['help'] }),
  });
}

export function usePreview() {
  return useMutation({ mutationFn: (body: string) => apiPost('/api/v1/help/preview', { body }) });
}

export function useTree() {
  return useQuery({
    queryKey: TREE,
    queryFn: async ({ signal }) => {
      const [categories, sections] = await Promise.all([
        apiGet('/api/v1/help/categories', undefined, signal),
        apiGet('/api/v1/help/sections', undefined, signal),
      ]);
      return { categories: categories.items, sections: sections.items };
    },
  });
}

export function useAddCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/help/categories'>) => apiPost('/api/v1/help/categories', body),
    onSuccess: () => client.invalidateQueries({ queryKey: TREE }),
  });
}

export function useAddSection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/help/sections'>) => apiPost('/api/v1/help/sections', body),
    onSuccess: () => client.invalidateQueries({ queryKey: TREE }),
  });
}

export function useDeleteCategory() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete('/api/v1/help/categories/{id}', { id }),
    onSuccess: () => client.invalidateQueries({ queryKey: TREE }),
  });
}

export function useDeleteSection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete('/api/v1/help/sections/{id}', { id }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['help'] }),
  });
}

/** The report of the last `days` days, up to now. */
export function useReport(days: number) {
  return useQuery({
    queryKey: ['help', 'report', days],
    queryFn: ({ signal }) => {
      const to = new Date();
      const from = new Date(to.getTime() - days * 86_400_000);
      return apiGet('/api/v1/help/report', { from: from.toISOString(), to: to.toISOString() }, signal);
    },
  });
}
