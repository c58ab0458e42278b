/**
 * The backup engine's public face: what the rest of the app may use of `src/backup/`. The
 * engine (`BackupEngine`) does the work; these are the words it speaks (its records, kinds,
 * errors and results) and the few rules others apply to them (names, descriptions, space,
 * retention, which backup is newest). Nothing outside `src/backup/` imports a file inside it but this one.
 */

export type { BringBackRequest, BringBackResult } from "./browse/bring-back.ts";
export { MAX_BRING_BACK_KEYS } from "./browse/bring-back.ts";
export type { BringBackErrorCode } from "./browse/bring-back-errors.ts";
export { BringBackError } from "./browse/bring-back-errors.ts";
export { csvField, csvLine, exportCsv } from "./browse/csv.ts";
export type { DiffCounts, DiffPage, DiffRow, DiffSide } from "./browse/diff.ts";
export { DIFF_SIDES } from "./browse/diff.ts";
export type { LookErrorCode } from "./browse/errors.ts";
export { LOOK_ERROR_CODES, LookError } from "./browse/errors.ts";
export type { LookContext } from "./browse/gate.ts";
export { diffCounts, diffTable, readRows } from "./browse/look.ts";
export { describeValues as describeRowKey } from "./browse/row-rules.ts";
export type { RowsPage } from "./browse/rows.ts";
export { DEFAULT_PAGE, MAX_PAGE } from "./browse/rows.ts";
export type { LookSummary, LookTable } from "./browse/summary.ts";
export { summarizeBackup } from "./browse/summary.ts";
export { descriptionProblem } from "./catalog/description.ts";
export type { DrillResult } from "./catalog/drill-record.ts";
export type { DiskForecast, ForecastBasis, ForecastInput, KeptAutomatic } from "./catalog/forecast.ts";
export { forecastDiskFull } from "./catalog/forecast.ts";
export { dataTimeOf, lineageOf, newestDataAt } from "./catalog/lineage.ts";
export type { BackupHealth, ManifestRecord } from "./catalog/manifest.ts";
export { createdMs, newestFirst, passedFullCheck, publicEntry } from "./catalog/manifest.ts";
export type { BackupKind } from "./catalog/names.ts";
export { BACKUP_KINDS, isPlainBackupName, MAX_DESCRIPTION_LENGTH, parseBackupName } from "./catalog/names.ts";
export type {
  CalendarLimits,
  RetentionDecision,
  RetentionFacts,
  RetentionLimits,
} from "./catalog/retention.ts";
export { explainRetention, planRetention } from "./catalog/retention.ts";
export { spaceNeeded, spaceNeededKeepingRoom } from "./catalog/space.ts";
export type { BroughtIn, HealthRecord, Operation, RestoreResult, RestoreStep } from "./context.ts";
export { ContinuousCapture } from "./continuous/capture/capture.ts";
export type { CapturedDatabase, ContinuousStatus } from "./continuous/capture/capture-options.ts";
export type { Chain, ChainInfo } from "./continuous/files/chain.ts";
export { continuousDir, listChains } from "./continuous/files/chain.ts";
export type { PointErrorCode, PointInTime } from "./continuous/restore-point.ts";
export {
  type BuiltPoint,
  buildPointInTime,
  chainAt,
  PointInTimeError,
  pointInTimeBackup,
} from "./continuous/restore-point.ts";
export { BackupEngine } from "./engine.ts";
export type { BackupErrorCode } from "./errors.ts";
export {
  BackupBusyError,
  BackupNotFoundError,
  BackupUnusableError,
  ChoiceChangedError,
  DatabaseDamagedError,
  DiskFullError,
  NameTakenError,
  NotEnoughSpaceError,
  NoUsableBackupError,
} from "./errors.ts";
export {
  countRowsInWorker as countRows,
  digestFileInWorker,
  sealFileInWorker,
} from "./inspect/worker-client.ts";
export type { TableCount } from "./inspect/worker-protocol.ts";
export type { BackgroundHold, BackgroundKind, BackgroundPiece } from "./operations/background.ts";
export type { Finding as DrillFinding } from "./operations/drill.ts";
export type { RestorePreview } from "./operations/restore-preview.ts";
