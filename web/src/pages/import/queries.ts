/**
 * The Import page's calls: the preview of a file's first 64 KiB (`POST /api/v1/imports/preview`),
 * starting the import with the whole file (`POST /api/v1/imports`: a FormData body, which the
 * browser streams from disk — the file is never read into the page's memory) and following the run
 * (`GET /api/v1/imports/{id}`, polled until it has a verdict).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGetAt, apiPostForm, invalidateCustomerData, type ResponseOf } from '../../api';
import { type ImportFormat, type ImportType, isUnderWay, PREVIEW_BYTES } from './import-plan';

export type Preview = ResponseOf<'/api/v1/imports/preview', 'post'>;
export type ImportRun = ResponseOf<'/api/v1/imports/{id}'>;

export interface PreviewRequest {
  readonly file: File;
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly map: Readonly<Record<string, string>> | null;
}

/** The preview of the file's first bytes for a type and format (kept while the next one loads). */
export function usePreview(request: PreviewRequest | null) {
  return useQuery({
    queryKey: [
      'import-preview',
      request && `${request.file.name}|${request.file.size}|${request.file.lastModified}`,
      request?.type,
      request?.format,
      request?.map,
    ],
    enabled: request !== null,
    placeholderData: keepPreviousData,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => {
      const { file, type, format, map } = request!;
      const form = new FormData();
      form.set('file', file.slice(0, PREVIEW_BYTES), file.name);
      form.set('type', type);
      form.set('format', format);
      form.set('truncated', String(file.size > PREVIEW_BYTES));
      if (map) form.set('map', JSON.stringify(map));
      return apiPostForm('/api/v1/imports/preview', form, signal);
    },
  });
}

export interface StartRequest extends PreviewRequest {
  readonly skipInvalid: boolean;
}

export function useStartImport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ file, type, format, map, skipInvalid }: StartRequest) => {
      const form = new FormData();
      form.set('file', file, file.name);
      form.set('type', type);
      form.set('format', format);
      form.set('skipInvalid', String(skipInvalid));
      if (map) form.set('map', JSON.stringify(map));
      return apiPostForm('/api/v1/imports', form);
    },
    // The queued run the API answered is the first state shown, before the first poll.
    onSuccess: (created) => client.setQueryData(['import-run', created.id], created),
  });
}

/**
 * An import run, polled every second while it is queued or running. When it is seen to succeed,
 * the answers read from the data before it are asked again (`invalidateCustomerData`).
 */
export function useImportRun(id: string | null) {
  const client = useQueryClient();
  return useQuery({
    queryKey: ['import-run', id],
    enabled: id !== null,
    queryFn: async ({ signal }) => {
      const before = client.getQueryData<ImportRun>(['import-run', id]);
      const run = await apiGetAt('/api/v1/imports/{id}', { id: id! }, signal);
      if (run.status === 'succeeded' && (before === undefined || isUnderWay(before))) {
        void invalidateCustomerData(client);
      }
      return run;
    },
    refetchInterval: (query) => (query.state.data && !isUnderWay(query.state.data) ? false : 1000),
  });
}
