/** The Outbox pages' calls: a page of messages (by state), one message with its rendered content. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet, apiGetAt, type QueryOf, type ResponseOf } from '../../api';

export type MessagePage = ResponseOf<'/api/v1/email/messages'>;
export type MessageSummary = MessagePage['items'][number];
export type EmailStatus = MessageSummary['status'];
export type Message = ResponseOf<'/api/v1/email/messages/{id}'>;

export const MESSAGES_PAGE_SIZE = 25;

export function useMessages(status: EmailStatus | null, cursor: string | null) {
  return useQuery({
    queryKey: ['email-messages', status, cursor],
    queryFn: ({ signal }) => {
      const query: QueryOf<'/api/v1/email/messages'> = {
        limit: MESSAGES_PAGE_SIZE,
        ...(status === null ? {} : { status }),
        ...(cursor === null ? {} : { cursor }),
      };
      return apiGet('/api/v1/email/messages', query, signal);
    },
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

export function useMessage(id: string) {
  return useQuery({
    queryKey: ['email-message', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/email/messages/{id}', { id }, signal),
  });
}
