/**
 * The words of the public survey page, in English and Simplified Chinese. The survey's own texts
 * (its question, reasons, form questions) are the workspace's; these are the defaults and the
 * page's chrome.
 */

export type SurveyPageLocale = 'en' | 'zh-CN';

export interface SurveyPageMessages {
  readonly title: string;
  readonly csatQuestion: string;
  readonly npsQuestion: string;
  readonly npsFollowUp: string;
  readonly notLikely: string;
  readonly veryLikely: string;
  readonly satisfied: string;
  readonly notSatisfied: string;
  readonly fivePoint: readonly [string, string, string, string, string];
  readonly reasonLegend: string;
  readonly reasonHint: string;
  readonly noReason: string;
  readonly comment: string;
  readonly commentHint: string;
  readonly submit: string;
  readonly update: string;
  readonly recorded: string;
  readonly saved: string;
  readonly errorsTitle: string;
  readonly required: string;
  readonly invalidTitle: string;
  readonly invalidBody: string;
  readonly tooMany: string;
  readonly optional: string;
  readonly choose: string;
  /** The storefront widget's words when its answer did not reach the server. */
  readonly notSent: string;
}

const en: SurveyPageMessages = {
  title: 'Your feedback',
  csatQuestion: 'How satisfied were you with our service?',
  npsQuestion: 'How likely are you to recommend us to a friend or colleague?',
  npsFollowUp: 'What is the main reason for your score?',
  notLikely: '0 = not at all likely',
  veryLikely: '10 = extremely likely',
  satisfied: 'Satisfied',
  notSatisfied: 'Not satisfied',
  fivePoint: ['Very dissatisfied', 'Dissatisfied', 'Neutral', 'Satisfied', 'Very satisfied'],
  reasonLegend: 'What went wrong?',
  reasonHint: 'Only if you were not satisfied.',
  noReason: 'No particular reason',
  comment: 'Anything you would like to add?',
  commentHint: 'Optional. At most 2,000 characters.',
  submit: 'Send my answer',
  update: 'Update my answer',
  recorded: 'Thank you! Your rating is recorded. You can change it or add a comment below.',
  saved: 'Thank you! Your answer is saved. You can still change it.',
  errorsTitle: 'Please check your answer',
  required: 'required',
  invalidTitle: 'This survey link is not valid',
  invalidBody: 'The link may be incomplete or changed. Please open it again from the e-mail you received.',
  tooMany: 'Too many attempts. Please try again in a minute.',
  optional: 'optional',
  choose: 'Choose one',
  notSent: 'Your answer could not be sent. Please try again.',
};

const zhCN: SurveyPageMessages = {
  title: '您的反馈',
  csatQuestion: '您对我们的服务满意吗？',
  npsQuestion: '您有多大可能向朋友或同事推荐我们？',
  npsFollowUp: '您给出这个分数的主要原因是什么？',
  notLikely: '0 = 完全不可能',
  veryLikely: '10 = 极有可能',
  satisfied: '满意',
  notSatisfied: '不满意',
  fivePoint: ['非常不满意', '不满意', '一般', '满意', '非常满意'],
  reasonLegend: '哪里做得不好？',
  reasonHint: '仅在您不满意时填写。',
  noReason: '没有特别原因',
  comment: '还有什么想告诉我们的吗？',
  commentHint: '选填，最多 2,000 字。',
  submit: '提交',
  update: '更新我的回答',
  recorded: '谢谢！您的评分已记录。您可以在下方修改评分或补充意见。',
  saved: '谢谢！您的回答已保存，您仍可以修改。',
  errorsTitle: '请检查您的回答',
  required: '必填',
  invalidTitle: '此调查链接无效',
  invalidBody: '链接可能不完整或已被修改。请从您收到的邮件中重新打开。',
  tooMany: '尝试次数过多，请一分钟后再试。',
  optional: '选填',
  choose: '请选择',
  notSent: '未能提交您的回答，请重试。',
};

export const SURVEY_PAGE_MESSAGES: Readonly<Record<SurveyPageLocale, SurveyPageMessages>> = {
  en,
  'zh-CN': zhCN,
};

/** The page's language for a BCP 47 tag: Chinese tags → `zh-CN`, anything else → English. */
export function localeOfTag(tag: string | null | undefined): SurveyPageLocale | null {
  if (tag === null || tag === undefined || tag.trim() === '') return null;
  const lower = tag.trim().toLowerCase();
  if (lower.startsWith('zh')) return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return null;
}

/**
 * The page's language: `?lang=` first, then the customer's stored language, then the browser's
 * `Accept-Language` (first tag we speak), else English.
 */
export function pageLocale(
  requested: string | undefined,
  customerLanguage: string | null,
  acceptLanguage: string | undefined,
): SurveyPageLocale {
  const fromRequest = localeOfTag(requested);
  if (fromRequest !== null) return fromRequest;
  const fromCustomer = localeOfTag(customerLanguage);
  if (fromCustomer !== null) return fromCustomer;
  for (const part of (acceptLanguage ?? '').split(',').slice(0, 20)) {
    const locale = localeOfTag(part.split(';')[0]);
    if (locale !== null) return locale;
  }
  return 'en';
}

/** The answer checks' messages (core `validateSurveyAnswer`, in English) in Simplified Chinese. */
const CHINESE_ISSUES: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [/^This question needs an answer\.$/, () => '此题必答。'],
  [/^A whole number from (\d+) to (\d+)\.$/, (match) => `请选择 ${match[1]} 到 ${match[2]} 之间的整数。`],
  [/^At most ([\d,]+) characters\.$/, (match) => `最多 ${match[1]} 个字。`],
  [/^Not one of the reasons this survey offers\.$/, () => '请选择问卷提供的原因之一。'],
  [/^One of the question’s options\.$/, () => '请选择本题的一个选项。'],
  [/^Distinct options of the question\.$/, () => '请选择本题的选项（不可重复）。'],
  [/^A text answer\.$/, () => '请填写文字。'],
  [/^No such question in this form\.$/, () => '问卷中没有这道题。'],
  [/^Text without a NUL character/, () => '文字中不能有 NUL 字符（U+0000）或单独的 UTF-16 代理项。'],
];

/** A problem's message in the page's language (English as the core words it). */
export function issueMessage(locale: SurveyPageLocale, message: string): string {
  if (locale === 'en') return message;
  for (const [pattern, words] of CHINESE_ISSUES) {
    const match = pattern.exec(message);
    if (match !== null) return words(match);
  }
  return message;
}
