/**
 * `POST /imports/preview` (under `/api/v1`): what an import would make of a file's first 64 KiB —
 * the layout, the column of each field, the first rows and their problems — before the file is
 * uploaded. Thin: the rules live in import.preview.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CSV_ENCODINGS, DATE_FORMATS, DECIMAL_SEPARATORS, parseDelimiter } from '../csv/index.js';
import { RetainError } from '../errors/index.js';
import { authenticatedErrors, CSRF_REFUSED, createRouter, requireRole } from '../http/index.js';
import { MAX_PREVIEW_BYTES, PREVIEW_ROWS, previewImport } from './import.preview.js';
import { IMPORT_FORMATS, IMPORT_TYPES } from './import.types.js';

const PreviewSchema = z
  .object({
    type: z.enum(IMPORT_TYPES as [string, ...string[]]),
    layout: z
      .enum(['generic', 'shopify', 'stripe'])
      .openapi({ description: 'The layout that would read the file' }),
    detectedBy: z.enum(['header', 'format']).openapi({
      description: '`header`: recognised from the header (format `auto`); `format`: the format asked for',
    }),
    columns: z.array(z.string()).openapi({ description: 'The header as written' }),
    rows: z
      .array(z.array(z.string()))
      .openapi({ description: `The first ${PREVIEW_ROWS} data rows as written` }),
    fields: z.array(z.object({ field: z.string(), required: z.boolean(), column: z.string().nullable() })),
    mapping: z
      .record(z.string(), z.string())
      .openapi({ description: 'Field → column, for the fields found' }),
    missing: z.array(z.string()).openapi({ description: 'Required fields without a column' }),
    problems: z.array(
      z.object({
        line: z.number().int().openapi({ description: '1-based physical line (1 = the header)' }),
        column: z.string().nullable(),
        code: z.string(),
        message: z.string(),
      }),
    ),
    truncated: z.boolean(),
    dialect: z
      .object({
        delimiter: z.string(),
        decimal: z.enum(DECIMAL_SEPARATORS).nullable(),
        dateFormat: z.enum(DATE_FORMATS),
        reasons: z.object({ delimiter: z.string(), decimal: z.string(), dateFormat: z.string() }),
      })
      .openapi({
        description:
          'How the import would read the file: its delimiter, decimal separator (null: undetermined) and date format, each detected from these bytes unless given, with the reason',
      }),
  })
  .openapi('ImportPreview');

const mapSchema = z
  .string()
  .max(16_384)
  .transform((text, context) => {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, string>;
      }
    } catch {
      // reported below
    }
    context.addIssue({ code: 'custom', message: 'Expected a JSON object of field → column name.' });
    return z.NEVER;
  });

const previewRoute = createRoute({
  method: 'post',
  path: '/imports/preview',
  operationId: 'previewImport',
  tags: ['Imports'],
  summary: 'Preview an import from the file’s first 64 KiB: layout, column mapping, first rows, problems',
  description:
    'Nothing is stored. Send the file’s first bytes (at most 64 KiB) as `file`, with `truncated=true` when the file goes on (the last, possibly cut, line is then ignored).',
  middleware: [requireRole('analyst')] as const,
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z
              .custom<File>((value) => value instanceof File, {
                message: 'the file’s first bytes are required',
              })
              .openapi({ type: 'string', format: 'binary' }),
            type: z.enum(IMPORT_TYPES as [string, ...string[]]),
            format: z.enum(IMPORT_FORMATS as [string, ...string[]]).default('auto'),
            truncated: z.enum(['true', 'false']).default('false'),
            delimiter: z.enum([',', ';', 'tab', '|']).optional(),
            decimal: z.enum(DECIMAL_SEPARATORS).optional(),
            dateFormat: z.enum(DATE_FORMATS).optional(),
            encoding: z.enum(CSV_ENCODINGS).default('utf-8').openapi({
              description: "the file's text encoding: utf-8 (default), latin1 or windows-1252",
            }),
            map: mapSchema.optional().openapi({
              type: 'string',
              description:
                'JSON object: field → the column to read it from (overrides the layout’s default header)',
            }),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The preview', content: { 'application/json': { schema: PreviewSchema } } },
    ...authenticatedErrors({
      400: 'Bad type, format or map, or a file with no header; `error.issues` names each.',
      403: `Only owners, admins and analysts import; or ${CSRF_REFUSED}.`,
      413: 'More than 64 KiB of the file, or a body over the limit (`RETAIN_MAX_BODY_BYTES`, 1 MiB by default).',
      415: 'A body that is not `multipart/form-data`.',
    }),
  },
});

/** The import preview route, to mount under `/api/v1`. */
export function importPreviewRoutes() {
  const router = createRouter();
  router.openapi(previewRoute, async (c) => {
    const form = c.req.valid('form');
    if (form.file.size > MAX_PREVIEW_BYTES) {
      throw new RetainError(
        'payload_too_large',
        `A preview reads at most ${MAX_PREVIEW_BYTES / 1024} KiB of the file.`,
      );
    }
    const preview = await previewImport(c.get('services').db, {
      workspaceId: c.get('auth').workspaceId,
      type: form.type,
      format: form.format,
      bytes: new Uint8Array(await form.file.arrayBuffer()),
      truncated: form.truncated === 'true',
      encoding: form.encoding,
      ...(form.map === undefined ? {} : { map: form.map }),
      dialect: {
        ...(form.delimiter === undefined ? {} : { delimiter: parseDelimiter(form.delimiter) ?? ',' }),
        ...(form.decimal === undefined ? {} : { decimal: form.decimal }),
        ...(form.dateFormat === undefined ? {} : { dateFormat: form.dateFormat }),
      },
    });
    return c.json(
      {
        ...preview,
        columns: [...preview.columns],
        rows: preview.rows.map((row) => [...row]),
        fields: [...preview.fields],
        missing: [...preview.missing],
        problems: [...preview.problems],
      },
      200,
    );
  });
  return router;
}
