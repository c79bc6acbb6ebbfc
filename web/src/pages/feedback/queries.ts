/**
 * The Feedback page's calls: the surveys, creating one, the report of one survey or all
 * (`GET /api/v1/feedback/report`) and a page of answers with the comment search.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPost, apiPostAt, type BodyOf, type ResponseOf } from '../../api';

export type Survey = ResponseOf<'/api/v1/feedback/surveys/{id}'>;
export type FeedbackReport = ResponseOf<'/api/v1/feedback/report'>;
export type ResponsePage = ResponseOf<'/api/v1/feedback/responses'>;
export type NewSurvey = BodyOf<'/api/v1/feedback/surveys'>;

/** Answers a page of the comment list shows. */
export const ANSWERS_PAGE_SIZE = 20;

export function useSurveys() {
  return useQuery({
    queryKey: ['surveys'],
    queryFn: ({ signal }) => apiGet('/api/v1/feedback/surveys', undefined, signal),
  });
}

/** The report of one survey or all; `segmentId`: over the current members of that segment only. */
export function useFeedbackReport(
  surveyId: string | null,
  segmentId: string | null,
  interval: 'week' | 'month',
) {
  return useQuery({
    queryKey: ['feedback-report', surveyId, segmentId, interval],
    queryFn: ({ signal }) =>
      apiGet(
        '/api/v1/feedback/report',
        {
          ...(surveyId === null ? {} : { surveyId }),
          ...(segmentId === null ? {} : { segmentId }),
          interval,
        },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

export function useAnswers(surveyId: string | null, search: string, cursor: string | null) {
  return useQuery({
    queryKey: ['feedback-answers', surveyId, search, cursor],
    queryFn: ({ signal }) =>
      apiGet(
        '/api/v1/feedback/responses',
        {
          limit: ANSWERS_PAGE_SIZE,
          ...(surveyId === null ? {} : { surveyId }),
          ...(search === '' ? {} : { q: search }),
          ...(cursor === null ? {} : { cursor }),
        },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

export function useCreateSurvey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (survey: NewSurvey) => apiPost('/api/v1/feedback/surveys', survey),
    onSuccess: () => client.invalidateQueries({ queryKey: ['surveys'] }),
  });
}

/** Sends a survey to every member of a segment: the API answers 202 with the job doing it. */
export function useSendToSegment() {
  return useMutation({
    mutationFn: ({ surveyId, segmentId }: { readonly surveyId: string; readonly segmentId: string }) =>
      // A segment send answers 202 `{ jobId, status, segmentId }` (the typed client knows the 201 shape only).
      apiPostAt(
        '/api/v1/feedback/surveys/{id}/sends',
        { id: surveyId },
        { segmentId },
      ) as unknown as Promise<{
        readonly jobId: string;
        readonly status: string;
        readonly segmentId: string;
      }>,
  });
}
