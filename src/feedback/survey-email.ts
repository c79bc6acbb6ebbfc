/**
 * The survey e-mail: a mailer for `sendSurvey` that queues the message through the e-mail module
 * (`queueEmail`, dedupe key `survey:<sendId>`, origin `{ kind: 'survey', surveyId, sendId }`), with
 * the signed rating links as Liquid variables — one click on a rating records the answer. In the
 * customer's language (English or Simplified Chinese).
 *
 * A CSAT survey follows a service interaction and goes as transactional mail (exempt from
 * marketing consent and frequency caps, not from suppression); NPS and forms go as marketing mail
 * (consent, caps and quiet hours apply).
 */
import { type EmailEnvironment, queueEmail } from '../email/index.js';
import type { SurveyMailer } from './feedback.service.js';
import { SURVEY_PAGE_MESSAGES } from './survey-page.messages.js';

/** The e-mail's words per language (the question itself is the survey's). */
const EMAIL_WORDS = {
  en: {
    subject: 'A quick question from {{ workspace.name }}',
    open: 'Open the survey',
    intro: 'Click an answer: it is recorded at once, and you can add a comment on the next page.',
  },
  'zh-CN': {
    subject: '{{ workspace.name }} 想听听您的意见',
    open: '打开问卷',
    intro: '点击一个选项即可提交，下一页还可以补充意见。',
  },
} as const;

/** The HTML template: the question, a row of rating buttons (links), and the survey page's link. */
const SURVEY_HTML = `<!doctype html>
<html lang="{{ survey.lang }}"><body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #c5ccd6;border-radius:12px">
<tr><td style="padding:24px">
<p style="margin:0 0 8px;color:#4a5360;font-weight:600">{{ workspace.name }}</p>
<h1 style="font-size:20px;line-height:1.3;margin:0 0 12px">{{ survey.question }}</h1>
{% if survey.ratings.size > 0 %}<p style="margin:0 0 12px;color:#4a5360">{{ survey.intro }}</p>
<table role="presentation" cellpadding="0" cellspacing="4"><tr>{% for rating in survey.ratings %}<td><a href="{{ rating.url }}" style="display:inline-block;min-width:28px;padding:10px 8px;border:2px solid #c5ccd6;border-radius:8px;color:#1b1f24;text-decoration:none;text-align:center;font-weight:600">{{ rating.label }}</a></td>{% endfor %}</tr></table>{% endif %}
<p style="margin:16px 0 0"><a href="{{ survey.url }}" style="color:#1f5fbf">{{ survey.open }}</a></p>
</td></tr></table>
</body></html>`;

/**
 * A `SurveyMailer` over the e-mail module. `environment`: the e-mail settings of the install
 * (default `SMTP_URL`, `RETAIN_PUBLIC_URL`… of the process).
 */
export function surveyEmailMailer(environment?: EmailEnvironment): SurveyMailer {
  return async (db, { survey, send, links, locale, category }, now) => {
    const words = EMAIL_WORDS[locale];
    const messages = SURVEY_PAGE_MESSAGES[locale];
    const definition = survey.definition;
    const question =
      definition.kind === 'csat'
        ? (definition.question ?? messages.csatQuestion)
        : definition.kind === 'nps'
          ? (definition.question ?? messages.npsQuestion)
          : survey.name;
    const label = (rating: number): string => {
      if (definition.kind === 'csat' && definition.scale === 'binary')
        return rating === 1 ? messages.satisfied : messages.notSatisfied;
      return String(rating);
    };
    const outcome = await queueEmail(
      db,
      {
        workspaceId: send.workspaceId,
        customerId: send.customerId,
        dedupeKey: `survey:${send.id}`,
        category: category ?? (definition.kind === 'csat' ? 'transactional' : 'marketing'),
        subject: words.subject,
        html: SURVEY_HTML,
        origin: { kind: 'survey', surveyId: String(survey.id), sendId: String(send.id) },
        variables: {
          survey: {
            name: survey.name,
            lang: locale,
            question,
            intro: words.intro,
            open: words.open,
            url: links.url,
            // Binary CSAT: "Satisfied" first, as the page shows it.
            ratings: (definition.kind === 'csat' && definition.scale === 'binary'
              ? [...links.ratings].reverse()
              : links.ratings
            ).map((link) => ({ rating: link.rating, label: label(link.rating), url: link.url })),
          },
        },
      },
      { now, ...(environment === undefined ? {} : { environment }) },
    );
    return outcome.status === 'skipped'
      ? { status: 'skipped', messageId: outcome.messageId, reason: outcome.reason }
      : { status: outcome.status, messageId: outcome.messageId };
  };
}
