export {
  type AuditActor,
  type AuditEntry,
  type AuditEntryInput,
  listAudit,
  recordAudit,
} from './audit.repository.js';
