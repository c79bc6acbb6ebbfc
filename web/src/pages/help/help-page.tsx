/**
 * Help centre (owners, admins, marketers and agents write; analysts read): the articles with an
 * editor and its preview (rendered by the server exactly as the public site shows it), the
 * categories and sections, and the report of the last 30 days — searches, searches without a
 * result, deflections and ratings. A link opens the public site.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useSession } from '../../api';
import { ScrollRegion } from '../../components/scroll-region';
import { ErrorMessage, Loading } from '../../components/status';
import { formatCount, formatDateTime } from '../../i18n/format';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import {
  type Article,
  type Category,
  type NewArticle,
  type Section,
  useAddCategory,
  useAddSection,
  useArticle,
  useArticles,
  useDeleteArticle,
  useDeleteCategory,
  useDeleteSection,
  useHelpSettings,
  usePreview,
  useReport,
  useSaveArticle,
  useTree,
} from './queries';

const LOCALES = ['en', 'zh-CN'] as const;
type Locale = (typeof LOCALES)[number];
const LOCALE_NAMES: Readonly<Record<Locale, MessageKey>> = {
  en: 'help.locale.en',
  'zh-CN': 'help.locale.zhCN',
};

function titleOf(translations: Category['translations'], locale: string): string {
  return translations[locale]?.title ?? Object.values(translations)[0]?.title ?? '';
}

export default function HelpPage() {
  const { t } = useI18n();
  const session = useSession().data;
  const settings = useHelpSettings();
  if (!session) return <Loading />;
  const writes = session.role !== 'analyst';
  return (
    <>
      <div className="page-head">
        <h1 className="page-title">{t('help.title')}</h1>
        {settings.data && (
          <a className="button button-quiet" href={settings.data.url} target="_blank" rel="noopener">
            {t('help.openSite')}
          </a>
        )}
      </div>
      <div className="settings">
        <ArticlesSection writes={writes} />
        <CategoriesSection writes={writes} />
        <ReportSection />
      </div>
    </>
  );
}

function ArticlesSection({ writes }: { readonly writes: boolean }) {
  const { t, locale } = useI18n();
  const articles = useArticles();
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  return (
    <section className="settings-card" aria-labelledby="help-articles">
      <h2 id="help-articles">{t('help.articles.title')}</h2>
      <p className="settings-hint">{t('help.articles.intro')}</p>
      {writes && editing === null && (
        <p>
          <button type="button" className="button" onClick={() => setEditing('new')}>
            {t('help.articles.new')}
          </button>
        </p>
      )}
      {editing !== null && (
        <ArticleEditor id={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />
      )}
      {articles.data ? (
        articles.data.items.length === 0 ? (
          <p>{t('help.articles.none')}</p>
        ) : (
          <ScrollRegion label={t('help.articles.caption')}>
            <table className="settings-table wide-table">
              <caption className="visually-hidden">{t('help.articles.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('help.articles.titleColumn')}</th>
                  <th scope="col">{t('help.articles.language')}</th>
                  <th scope="col">{t('help.articles.status')}</th>
                  <th scope="col">{t('help.articles.updated')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('help.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {articles.data.items.map((article: Article) => (
                  <tr key={article.id} data-article={article.id}>
                    <th scope="row" lang={article.locale}>
                      {article.title}
                    </th>
                    <td>{t(LOCALE_NAMES[article.locale as Locale] ?? 'help.locale.en')}</td>
                    <td>
                      {t(article.status === 'published' ? 'help.status.published' : 'help.status.draft')}
                    </td>
                    <td>{formatDateTime(article.updatedAt, locale)}</td>
                    <td className="row-actions">
                      {writes && (
                        <button
                          type="button"
                          className="button button-quiet"
                          onClick={() => setEditing(article.id)}
                        >
                          {t('help.articles.edit')}
                          <span className="visually-hidden"> {article.title}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )
      ) : articles.isError ? (
        <ErrorMessage error={articles.error} onRetry={() => void articles.refetch()} />
      ) : (
        <Loading />
      )}
    </section>
  );
}

function ArticleEditor({ id, onClose }: { readonly id: string | null; readonly onClose: () => void }) {
  const { t, locale } = useI18n();
  const existing = useArticle(id);
  const tree = useTree();
  const save = useSaveArticle();
  const remove = useDeleteArticle();
  const preview = usePreview();
  const formId = useId();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [articleLocale, setArticleLocale] = useState<Locale>(locale === 'zh-CN' ? 'zh-CN' : 'en');
  const [status, setStatus] = useState<'draft' | 'published'>('draft');
  const [sectionId, setSectionId] = useState<string>('');
  const [loaded, setLoaded] = useState(id === null);

  useEffect(() => {
    if (loaded || !existing.data) return;
    setTitle(existing.data.title);
    setBody(existing.data.body);
    setArticleLocale(existing.data.locale as Locale);
    setStatus(existing.data.status);
    setSectionId(existing.data.sectionId ?? '');
    setLoaded(true);
  }, [existing.data, loaded]);

  // The preview follows the body, half a second after typing stops.
  const { mutate: renderPreview } = preview;
  useEffect(() => {
    const timer = setTimeout(() => renderPreview(body), 500);
    return () => clearTimeout(timer);
  }, [body, renderPreview]);

  if (!loaded) return <Loading />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const article: NewArticle = {
      title,
      body,
      locale: articleLocale,
      status,
      sectionId: sectionId === '' ? null : sectionId,
    };
    save.mutate(
      { id, article, ...(existing.data ? { version: existing.data.version } : {}) },
      { onSuccess: onClose },
    );
  };
  return (
    <form className="settings-form help-editor" onSubmit={submit} aria-labelledby={`${formId}-heading`}>
      <h3 id={`${formId}-heading`}>{id === null ? t('help.editor.new') : t('help.editor.edit')}</h3>
      <div className="settings-grid">
        <label className="field">
          <span className="field-label">{t('help.editor.title')}</span>
          <input
            className="input"
            required
            maxLength={200}
            value={title}
            onChange={(event) => setTitle(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('help.articles.language')}</span>
          <select
            className="select"
            value={articleLocale}
            disabled={id !== null}
            onChange={(event) => setArticleLocale(event.target.value as Locale)}
          >
            {LOCALES.map((option) => (
              <option key={option} value={option}>
                {t(LOCALE_NAMES[option])}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('help.articles.status')}</span>
          <select
            className="select"
            value={status}
            onChange={(event) => setStatus(event.target.value as 'draft' | 'published')}
          >
            <option value="draft">{t('help.status.draft')}</option>
            <option value="published">{t('help.status.published')}</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('help.editor.section')}</span>
          <select className="select" value={sectionId} onChange={(event) => setSectionId(event.target.value)}>
            <option value="">{t('help.editor.noSection')}</option>
            {(tree.data?.sections ?? []).map((section: Section) => {
              const category = tree.data?.categories.find((candidate) => candidate.id === section.categoryId);
              return (
                <option key={section.id} value={section.id}>
                  {category ? `${titleOf(category.translations, locale)} › ` : ''}
                  {titleOf(section.translations, locale)}
                </option>
              );
            })}
          </select>
        </label>
      </div>
      <div className="help-editor-panes">
        <label className="field">
          <span className="field-label">{t('help.editor.body')}</span>
          <textarea
            className="input help-editor-body"
            rows={16}
            maxLength={100_000}
            value={body}
            onChange={(event) => setBody(event.target.value)}
          />
          <span className="settings-hint">{t('help.editor.markdownHint')}</span>
        </label>
        <div className="field">
          <span className="field-label" id={`${formId}-preview`}>
            {t('help.editor.preview')}
          </span>
          <section
            className="help-preview"
            aria-labelledby={`${formId}-preview`}
            lang={articleLocale}
            // The server renders Markdown with raw HTML off (markdown-it): the same safe HTML as the public site.
            // biome-ignore lint/security/noDangerouslySetInnerHtml: server-rendered, HTML-free Markdown.
            dangerouslySetInnerHTML={{ __html: preview.data?.html ?? '' }}
          />
        </div>
      </div>
      {save.isError && <ErrorMessage error={save.error} />}
      {remove.isError && <ErrorMessage error={remove.error} />}
      <div className="form-actions">
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? t('help.saving') : t('help.save')}
        </button>
        <button type="button" className="button button-quiet" onClick={onClose}>
          {t('help.cancel')}
        </button>
        {id !== null && (
          <button
            type="button"
            className="button button-danger"
            disabled={remove.isPending}
            onClick={() => remove.mutate(id, { onSuccess: onClose })}
          >
            {t('help.editor.delete')}
          </button>
        )}
        {existing.data?.url && (
          <a href={existing.data.url} target="_blank" rel="noopener">
            {t('help.editor.view')}
          </a>
        )}
      </div>
    </form>
  );
}

function CategoriesSection({ writes }: { readonly writes: boolean }) {
  const { t, locale } = useI18n();
  const tree = useTree();
  const removeCategory = useDeleteCategory();
  const removeSection = useDeleteSection();
  return (
    <section className="settings-card" aria-labelledby="help-categories">
      <h2 id="help-categories">{t('help.categories.title')}</h2>
      <p className="settings-hint">{t('help.categories.intro')}</p>
      {tree.data ? (
        tree.data.categories.length === 0 ? (
          <p>{t('help.categories.none')}</p>
        ) : (
          <ul className="help-tree">
            {tree.data.categories.map((category) => (
              <li key={category.id}>
                <strong>{titleOf(category.translations, locale)}</strong>
                {writes && (
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={removeCategory.isPending}
                    onClick={() => removeCategory.mutate(category.id)}
                  >
                    {t('help.categories.delete')}
                    <span className="visually-hidden"> {titleOf(category.translations, locale)}</span>
                  </button>
                )}
                <ul>
                  {tree.data.sections
                    .filter((section) => section.categoryId === category.id)
                    .map((section) => (
                      <li key={section.id}>
                        {titleOf(section.translations, locale)}
                        {writes && (
                          <button
                            type="button"
                            className="button button-quiet"
                            disabled={removeSection.isPending}
                            onClick={() => removeSection.mutate(section.id)}
                          >
                            {t('help.categories.delete')}
                            <span className="visually-hidden"> {titleOf(section.translations, locale)}</span>
                          </button>
                        )}
                      </li>
                    ))}
                </ul>
              </li>
            ))}
          </ul>
        )
      ) : tree.isError ? (
        <ErrorMessage error={tree.error} onRetry={() => void tree.refetch()} />
      ) : (
        <Loading />
      )}
      {removeCategory.isError && <ErrorMessage error={removeCategory.error} />}
      {writes && tree.data && <AddToTree categories={tree.data.categories} />}
    </section>
  );
}

function AddToTree({ categories }: { readonly categories: readonly Category[] }) {
  const { t, locale } = useI18n();
  const addCategory = useAddCategory();
  const addSection = useAddSection();
  const [english, setEnglish] = useState('');
  const [chinese, setChinese] = useState('');
  const [parent, setParent] = useState('');
  const translations = () => ({
    ...(english.trim() === '' ? {} : { en: { title: english.trim() } }),
    ...(chinese.trim() === '' ? {} : { 'zh-CN': { title: chinese.trim() } }),
  });
  const done = () => {
    setEnglish('');
    setChinese('');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (parent === '') addCategory.mutate({ translations: translations() }, { onSuccess: done });
    else addSection.mutate({ categoryId: parent, translations: translations() }, { onSuccess: done });
  };
  const failure = addCategory.error ?? addSection.error;
  return (
    <form className="settings-form" onSubmit={submit}>
      <h3>{t('help.categories.add')}</h3>
      <div className="settings-grid">
        <label className="field">
          <span className="field-label">{t('help.categories.parent')}</span>
          <select className="select" value={parent} onChange={(event) => setParent(event.target.value)}>
            <option value="">{t('help.categories.newCategory')}</option>
            {categories.map((category) => (
              <option key={category.id} value={category.id}>
                {t('help.categories.sectionIn', { name: titleOf(category.translations, locale) })}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('help.categories.titleEn')}</span>
          <input
            className="input"
            lang="en"
            value={english}
            onChange={(event) => setEnglish(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('help.categories.titleZh')}</span>
          <input
            className="input"
            lang="zh-CN"
            value={chinese}
            onChange={(event) => setChinese(event.target.value)}
          />
        </label>
      </div>
      {failure && <ErrorMessage error={failure} />}
      <button
        type="submit"
        className="button"
        disabled={
          addCategory.isPending || addSection.isPending || (english.trim() === '' && chinese.trim() === '')
        }
      >
        {t('help.categories.addButton')}
      </button>
    </form>
  );
}

function ReportSection() {
  const { t, locale } = useI18n();
  const report = useReport(30);
  return (
    <section className="settings-card" aria-labelledby="help-report">
      <h2 id="help-report">{t('help.report.title')}</h2>
      <p className="settings-hint">{t('help.report.intro')}</p>
      {report.data ? (
        <>
          <dl className="help-figures">
            <div>
              <dt>{t('help.report.searches')}</dt>
              <dd>{formatCount(report.data.searches, locale)}</dd>
            </div>
            <div>
              <dt>{t('help.report.withoutResult')}</dt>
              <dd>{formatCount(report.data.searchesWithoutResult, locale)}</dd>
            </div>
            <div>
              <dt>{t('help.report.deflections')}</dt>
              <dd>{formatCount(report.data.deflections.total, locale)}</dd>
            </div>
          </dl>
          <CountTable
            caption={t('help.report.topSearches')}
            rows={report.data.topSearches.map((entry) => [entry.query, entry.count])}
          />
          <CountTable
            caption={t('help.report.noResultSearches')}
            rows={report.data.noResultSearches.map((entry) => [entry.query, entry.count])}
          />
          <CountTable
            caption={t('help.report.deflectedBy')}
            rows={report.data.deflections.byArticle.map((entry) => [entry.title, entry.count])}
          />
          <h3>{t('help.report.ratings')}</h3>
          {report.data.ratings.length === 0 ? (
            <p>{t('help.report.empty')}</p>
          ) : (
            <ScrollRegion label={t('help.report.ratings')}>
              <table className="settings-table">
                <caption className="visually-hidden">{t('help.report.ratings')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('help.articles.titleColumn')}</th>
                    <th scope="col">{t('help.report.helpful')}</th>
                    <th scope="col">{t('help.report.notHelpful')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.data.ratings.map((entry) => (
                    <tr key={entry.articleId}>
                      <th scope="row" lang={entry.locale}>
                        {entry.title}
                      </th>
                      <td>{formatCount(entry.helpful, locale)}</td>
                      <td>{formatCount(entry.notHelpful, locale)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )}
        </>
      ) : report.isError ? (
        <ErrorMessage error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <Loading />
      )}
    </section>
  );
}

function CountTable({
  caption,
  rows,
}: {
  readonly caption: string;
  readonly rows: readonly [string, number][];
}) {
  const { t, locale } = useI18n();
  return (
    <>
      <h3>{caption}</h3>
      {rows.length === 0 ? (
        <p>{t('help.report.empty')}</p>
      ) : (
        <table className="settings-table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t('help.report.what')}</th>
              <th scope="col">{t('help.report.count')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, count]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{formatCount(count, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
