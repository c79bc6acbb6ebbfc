/** The public help centre's own words, per language (articles bring their own). */
import type { HelpLocale } from './help-locales.js';

export interface HelpWords {
  readonly languageName: string;
  readonly helpCentre: (workspace: string) => string;
  readonly homeDescription: (workspace: string) => string;
  readonly skipToContent: string;
  readonly search: string;
  readonly searchPlaceholder: string;
  readonly searchTitle: (query: string) => string;
  readonly results: (count: number) => string;
  readonly noResults: (query: string) => string;
  readonly noResultsHint: string;
  readonly emptySearch: string;
  readonly categories: string;
  readonly moreArticles: string;
  readonly articles: (count: number) => string;
  readonly noArticles: string;
  readonly home: string;
  readonly updated: (date: string) => string;
  readonly wasThisHelpful: string;
  readonly yes: string;
  readonly no: string;
  readonly thanks: string;
  readonly formExpired: string;
  readonly languages: string;
  readonly otherLanguages: string;
  readonly inSection: string;
  readonly notFoundTitle: string;
  readonly notFoundText: string;
  readonly breadcrumbs: string;
  readonly fallbackNotice: (language: string) => string;
}

const en: HelpWords = {
  languageName: 'English',
  helpCentre: (workspace) => `${workspace} Help Centre`,
  homeDescription: (workspace) =>
    `Answers to common questions about ${workspace}: guides, how-tos and policies.`,
  skipToContent: 'Skip to content',
  search: 'Search',
  searchPlaceholder: 'Describe your question',
  searchTitle: (query) => `Search results for “${query}”`,
  results: (count) => (count === 1 ? '1 article found' : `${count} articles found`),
  noResults: (query) => `No article matches “${query}”.`,
  noResultsHint: 'Try other words, or fewer of them.',
  emptySearch: 'Type a few words about your question.',
  categories: 'Categories',
  moreArticles: 'More articles',
  articles: (count) => (count === 1 ? '1 article' : `${count} articles`),
  noArticles: 'No articles here yet.',
  home: 'Help Centre',
  updated: (date) => `Updated ${date}`,
  wasThisHelpful: 'Was this article helpful?',
  yes: 'Yes',
  no: 'No',
  thanks: 'Thank you for your feedback.',
  formExpired: 'The page was open too long to record your answer: please answer again.',
  languages: 'Language',
  otherLanguages: 'This article in other languages',
  inSection: 'In this section',
  notFoundTitle: 'Page not found',
  notFoundText: 'This page does not exist or is no longer published.',
  breadcrumbs: 'Breadcrumbs',
  fallbackNotice: (language) => `This article is not translated yet; it is shown in ${language}.`,
};

const zhCN: HelpWords = {
  languageName: '简体中文',
  helpCentre: (workspace) => `${workspace} 帮助中心`,
  homeDescription: (workspace) => `关于 ${workspace} 的常见问题解答：指南、操作说明与政策。`,
  skipToContent: '跳到正文',
  search: '搜索',
  searchPlaceholder: '描述您的问题',
  searchTitle: (query) => `“${query}”的搜索结果`,
  results: (count) => `找到 ${count} 篇文章`,
  noResults: (query) => `没有与“${query}”匹配的文章。`,
  noResultsHint: '请尝试其他或更少的关键词。',
  emptySearch: '请输入几个与您的问题相关的词。',
  categories: '分类',
  moreArticles: '更多文章',
  articles: (count) => `${count} 篇文章`,
  noArticles: '这里还没有文章。',
  home: '帮助中心',
  updated: (date) => `更新于 ${date}`,
  wasThisHelpful: '这篇文章对您有帮助吗？',
  yes: '有帮助',
  no: '没有帮助',
  thanks: '感谢您的反馈。',
  formExpired: '页面打开时间过长，未能记录您的回答，请重新选择。',
  languages: '语言',
  otherLanguages: '本文的其他语言版本',
  inSection: '本栏目中的文章',
  notFoundTitle: '找不到页面',
  notFoundText: '此页面不存在或已不再发布。',
  breadcrumbs: '导航路径',
  fallbackNotice: (language) => `本文尚未翻译，以下为${language}版本。`,
};

export const HELP_WORDS: Readonly<Record<HelpLocale, HelpWords>> = { en, 'zh-CN': zhCN };
