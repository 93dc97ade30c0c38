/**
 * The tagger's entry point under its former name, kept so existing imports (tests, benchmarks)
 * still resolve. The path it runs reads in backup-event-to-tag-write.ts.
 */
export { type HandledBackupEvent, handleBackupEvent } from './backup-event-to-tag-write.ts';
