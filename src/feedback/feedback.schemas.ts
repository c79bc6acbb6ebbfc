/**
 * Zod schemas of the feedback API: survey definitions (validated here, each problem named by its
 * path, within `SURVEY_LIMITS`), request bodies and queries, and the documented answers. Instants
 * are ISO 8601 strings, ids decimal strings.
 */
import { z } from '@hono/zod-openapi';
import { SURVEY_LIMITS } from '../core/index.js';
import type { ListedResponse, ResponseVersion, Survey, SurveySend } from './feedback.repository.js';

/** Most surveys a workspace may have. */
export const MAX_SURVEYS_PER_WORKSPACE = 500;
/** Largest page of answers. */
export const MAX_RESPONSES_PAGE = 200;
export const DEFAULT_RESPONSES_PAGE = 50;

const label = z.string().trim().min(1).max(SURVEY_LIMITS.labelLength);

const QuestionSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/, 'Lower-case letters, digits, `_` and `-`, 1–40 characters.')
      .openapi({ example: 'delivery' }),
    type: z.enum(['text', 'single_choice', 'multiple_choice', 'rating']),
    label,
    required: z.boolean().default(false),
    options: z
      .array(label)
      .min(2)
      .max(SURVEY_LIMITS.options)
      .optional()
      .openapi({ description: `Choice questions: 2–${SURVEY_LIMITS.options} distinct options.` }),
    min: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .openapi({ description: 'Rating questions: lowest (default 1).' }),
    max: z
      .number()
      .int()
      .min(1)
      .max(10)
      .optional()
      .openapi({ description: 'Rating questions: highest (default 5).' }),
    maxLength: z
      .number()
      .int()
      .min(1)
      .max(SURVEY_LIMITS.answerLength)
      .optional()
      .openapi({ description: `Text questions: most characters (default ${SURVEY_LIMITS.answerLength}).` }),
  })
  .strict()
  .superRefine((question, context) => {
    const choice = question.type === 'single_choice' || question.type === 'multiple_choice';
    if (choice && question.options === undefined)
      context.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'A choice question needs its options.',
      });
    if (!choice && question.options !== undefined)
      context.addIssue({ code: 'custom', path: ['options'], message: 'Only choice questions have options.' });
    if (question.options !== undefined && new Set(question.options).size !== question.options.length)
      context.addIssue({ code: 'custom', path: ['options'], message: 'The options must be distinct.' });
    if (question.type !== 'rating' && (question.min !== undefined || question.max !== undefined))
      context.addIssue({ code: 'custom', path: ['min'], message: 'Only rating questions have a scale.' });
    if (question.type === 'rating' && !((question.min ?? 1) < (question.max ?? 5)))
      context.addIssue({ code: 'custom', path: ['max'], message: 'max must be above min.' });
    if (question.type !== 'text' && question.maxLength !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['maxLength'],
        message: 'Only text questions have a length.',
      });
  })
  .openapi('SurveyQuestion');

const name = label.openapi({
  description: `1–${SURVEY_LIMITS.labelLength} characters, unique in the workspace.`,
  example: 'After-delivery CSAT',
});

const CsatDefinition = z
  .object({
    name,
    kind: z.literal('csat'),
    scale: z.enum(['binary', 'five_point']).default('five_point').openapi({
      description:
        '`binary`: satisfied (1) / not satisfied (0); `five_point` (default): 1–5, where 4 and 5 count as satisfied (docs/metrics.md §10).',
    }),
    question: label
      .optional()
      .openapi({ description: 'Default: "How satisfied were you with …?" in the customer’s language.' }),
    reasons: z
      .array(label)
      .max(SURVEY_LIMITS.options)
      .optional()
      .openapi({
        description: `Reasons an unhappy customer may pick (at most ${SURVEY_LIMITS.options}, distinct).`,
      }),
    comment: z.boolean().default(true).openapi({ description: 'Offer a comment box (default true).' }),
  })
  .strict()
  .superRefine((survey, context) => {
    if (survey.reasons !== undefined && new Set(survey.reasons).size !== survey.reasons.length)
      context.addIssue({ code: 'custom', path: ['reasons'], message: 'The reasons must be distinct.' });
  });

const NpsDefinition = z
  .object({
    name,
    kind: z.literal('nps'),
    question: label
      .optional()
      .openapi({ description: 'Default: "How likely are you to recommend us to a friend or colleague?"' }),
    followUp: label.optional().openapi({
      description:
        'The follow-up question over the comment box. Default: "What is the main reason for your score?"',
    }),
  })
  .strict();

const FormDefinition = z
  .object({
    name,
    kind: z.literal('form'),
    questions: z
      .array(QuestionSchema)
      .min(1)
      .max(SURVEY_LIMITS.questions)
      .superRefine((questions, context) => {
        const seen = new Set<string>();
        questions.forEach((question, index) => {
          if (seen.has(question.id))
            context.addIssue({
              code: 'custom',
              path: [index, 'id'],
              message: `Question id "${question.id}" is used twice.`,
            });
          seen.add(question.id);
        });
      }),
  })
  .strict();

export const CreateSurveyBody = z
  .discriminatedUnion('kind', [CsatDefinition, NpsDefinition, FormDefinition])
  .openapi('CreateSurvey', {
    description:
      'A CSAT survey (`kind: csat`, a `binary` or `five_point` scale, optional reasons), an NPS survey (`kind: nps`, 0–10 with a follow-up question) or a custom form (`kind: form`, 1–30 questions: text, single or multiple choice, rating).',
    example: {
      name: 'After-delivery CSAT',
      kind: 'csat',
      scale: 'five_point',
      reasons: ['Late delivery', 'Damaged item'],
    },
  });
export type CreateSurveyInput = z.infer<typeof CreateSurveyBody>;

export const SurveyIdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The survey id.', example: '3' }),
});

const decimalId = (description: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'A decimal id.')
    .openapi({ description, example: '42' });

export const SendSurveyBody = z
  .object({
    customerId: decimalId('Send to this customer now.').optional(),
    segmentId: decimalId('Send to every member of this segment (in the background).').optional(),
    channel: z.enum(['email', 'link']).default('email').openapi({
      description:
        '`email` (default): the survey e-mail with its one-click rating links (SMTP, or the built-in outbox); `link`: no e-mail — hand out the returned `url` yourself.',
    }),
    dedupeKey: z.string().min(1).max(200).optional().openapi({
      description: 'With `customerId`: a retry with the same key is the same send (nothing is sent twice).',
    }),
  })
  .strict()
  .openapi('SendSurvey', {
    description:
      'Exactly one of `customerId` (one customer, now: 201) and `segmentId` (every member of the segment, by a background job: 202).',
    example: { customerId: '42' },
  });

const instant = z.string().openapi({ format: 'date-time', example: '2026-12-07T12:00:00.000Z' });
const iso = (value: number) => new Date(value).toISOString();

const RecordSchema = z.record(z.string(), z.unknown());

export const SurveySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['csat', 'nps', 'form']),
    definition: RecordSchema.openapi({ description: 'What the survey asks (as created, defaults filled).' }),
    createdAt: instant,
    updatedAt: instant,
  })
  .openapi('Survey');

export function toSurveyBody(survey: Survey): z.infer<typeof SurveySchema> {
  return {
    id: String(survey.id),
    name: survey.name,
    kind: survey.kind,
    definition: survey.definition as unknown as Record<string, unknown>,
    createdAt: iso(survey.createdAt),
    updatedAt: iso(survey.updatedAt),
  };
}

export const SurveyListSchema = z.object({ items: z.array(SurveySchema) }).openapi('SurveyList');

export const SurveySendSchema = z
  .object({
    id: z.string(),
    surveyId: z.string(),
    customerId: z.string(),
    delivery: z.enum(['link', 'queued', 'duplicate', 'skipped']).openapi({
      description:
        '`link`: no e-mail was sent (hand the link out yourself); `queued`: the survey e-mail is queued; `duplicate`: it was queued before; `skipped`: the e-mail module would not send it (`deliveryReason` says why).',
    }),
    deliveryReason: z.string().nullable(),
    sentAt: instant,
    url: z.string().openapi({
      description: 'The signed survey link of this customer (a credential: it answers for them).',
    }),
    created: z.boolean().openapi({ description: 'False when `dedupeKey` named an earlier send.' }),
  })
  .openapi('SurveySend');

export function toSendBody(
  send: SurveySend,
  url: string,
  created: boolean,
): z.infer<typeof SurveySendSchema> {
  return {
    id: String(send.id),
    surveyId: String(send.surveyId),
    customerId: String(send.customerId),
    delivery: send.delivery,
    deliveryReason: send.deliveryReason,
    sentAt: iso(send.sentAt),
    url,
    created,
  };
}

export const SegmentSendSchema = z
  .object({
    jobId: z.string(),
    status: z.string().openapi({ description: 'The job’s status (`queued`, `running`, …).' }),
    segmentId: z.string(),
  })
  .openapi('SurveySegmentSend');

export const ResponsesQuery = z.object({
  surveyId: decimalId('Only answers to this survey.').optional(),
  customerId: decimalId('Only this customer’s answers.').optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Text the comment contains (case-insensitive).' }),
  withComment: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: '`true`: only answers with a comment.' }),
  from: z
    .string()
    .optional()
    .openapi({ description: 'First local day YYYY-MM-DD of the answer (its current version).' }),
  to: z.string().optional().openapi({ description: 'Last local day YYYY-MM-DD (inclusive).' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RESPONSES_PAGE)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_RESPONSES_PAGE} (default ${DEFAULT_RESPONSES_PAGE}).` }),
  cursor: z.string().max(60).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

const VersionSchema = z.object({
  revision: z.number().int(),
  rating: z.number().int().nullable(),
  comment: z.string().nullable(),
  reason: z.string().nullable(),
  answers: RecordSchema,
  source: z.enum(['link', 'page', 'api']),
  answeredAt: instant,
  replacedAt: instant,
});

export const ResponseSchema = z
  .object({
    id: z.string(),
    sendId: z.string(),
    surveyId: z.string(),
    surveyName: z.string(),
    customerId: z.string(),
    customerEmail: z.string().nullable(),
    customerName: z.string().nullable(),
    rating: z.number().int().nullable(),
    negative: z.boolean().openapi({ description: 'CSAT not satisfied or NPS 0–6.' }),
    comment: z.string().nullable(),
    reason: z.string().nullable(),
    answers: RecordSchema.openapi({ description: 'A form’s answers by question id.' }),
    source: z
      .enum(['link', 'page', 'api'])
      .openapi({ description: '`link`: a rating clicked in the e-mail; `page`: the survey page.' }),
    revision: z.number().int().openapi({ description: '1 for a first answer, +1 per change.' }),
    answeredAt: instant.openapi({ description: 'When the first version was given.' }),
    updatedAt: instant.openapi({ description: 'When the current version was given.' }),
    history: z.array(VersionSchema).openapi({ description: 'The earlier versions, oldest first.' }),
  })
  .openapi('SurveyResponse');

export function toResponseBody(
  response: ListedResponse,
  history: readonly ResponseVersion[],
  personalData: boolean,
): z.infer<typeof ResponseSchema> {
  return {
    id: String(response.id),
    sendId: String(response.sendId),
    surveyId: String(response.surveyId),
    surveyName: response.surveyName,
    customerId: String(response.customerId),
    customerEmail: personalData ? response.customerEmail : null,
    customerName: personalData ? response.customerName : null,
    rating: response.rating,
    negative: response.negative,
    comment: response.comment,
    reason: response.reason,
    answers: response.answers,
    source: response.source,
    revision: response.revision,
    answeredAt: iso(response.answeredAt),
    updatedAt: iso(response.updatedAt),
    history: history.map((version) => ({
      ...version,
      answeredAt: iso(version.answeredAt),
      replacedAt: iso(version.replacedAt),
    })),
  };
}

export const ResponsePageSchema = z
  .object({
    items: z.array(ResponseSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi('SurveyResponsePage');

export const ReportQuery = z.object({
  surveyId: decimalId('One survey; absent: every survey of the workspace.').optional(),
  segmentId: decimalId(
    'Only the customers who are members of this segment now: their sends and answers (404 for a segment not in the workspace).',
  ).optional(),
  sentToSegmentId: decimalId('Only the sends made to this segment (by a segment send).').optional(),
  from: z.string().optional().openapi({
    description: 'First local day YYYY-MM-DD of the sends (default: 90 days before `to`).',
    example: '2026-09-01',
  }),
  to: z.string().optional().openapi({
    description: 'Last local day YYYY-MM-DD, inclusive (default: today).',
    example: '2026-11-30',
  }),
  interval: z
    .enum(['week', 'month'])
    .optional()
    .openapi({ description: 'The series’ periods (default `week`).' }),
});

const figures = {
  csat: z.number().nullable().openapi({
    description:
      'CSAT 0–100 over rated CSAT answers; null when no CSAT survey is in the report or nothing was rated.',
  }),
  nps: z
    .number()
    .nullable()
    .openapi({ description: 'NPS −100…100; null when no NPS survey is in the report or nothing was rated.' }),
  responses: z.number().int().openapi({ description: 'Sends with an answer.' }),
  sent: z.number().int(),
  responseRate: z
    .number()
    .nullable()
    .openapi({ description: 'responses / sent, 0–1; null when nothing was sent.' }),
};

export const ReportSchema = z
  .object({
    ...figures,
    series: z.array(
      z.object({
        period: z
          .string()
          .openapi({ description: 'A week (its first day, YYYY-MM-DD) or a month (YYYY-MM).' }),
        start: instant,
        ...figures,
      }),
    ),
  })
  .openapi('FeedbackReport');
