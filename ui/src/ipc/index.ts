// The only module that talks to Rust. Every command is a typed function;
// every failure is an `IpcFailure` with a stable `code` to branch on.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import type { AppStatus } from './bindings/AppStatus';
import type { DoctorReport } from './bindings/DoctorReport';
import type { DroppedFiles } from './bindings/DroppedFiles';
import type { Evidence } from './bindings/Evidence';
import type { EvidenceProgress } from './bindings/EvidenceProgress';
import type { Imported } from './bindings/Imported';
import type { IpcError } from './bindings/IpcError';
import type { ErrorCode } from './bindings/ErrorCode';
import {
  EVENT_CLOSE_REQUESTED, EVENT_DRAG_STATE, EVENT_DROPPED, EVENT_EVIDENCE_PROGRESS, EVENT_REPORT_PROGRESS,
} from './bindings/events';
import type { ItemResult } from './bindings/ItemResult';
import type { RunDetail } from './bindings/RunDetail';
import type { RunSummary } from './bindings/RunSummary';
import type { Status } from './bindings/Status';
import type { Template } from './bindings/Template';
import type { TemplatePreview } from './bindings/TemplatePreview';
import type { TemplateSummary } from './bindings/TemplateSummary';
import type { Waiver } from './bindings/Waiver';
import type { ReportProgress } from './bindings/ReportProgress';
import type { ReportVerification } from './bindings/ReportVerification';
import type { ReportWritten } from './bindings/ReportWritten';
import type { SignerIdentity } from './bindings/SignerIdentity';
import type { SignoffRecord } from './bindings/SignoffRecord';
import type { CalendarEntry } from './bindings/CalendarEntry';
import type { Completion } from './bindings/Completion';
import type { NewTask } from './bindings/NewTask';
import type { OccurrenceState } from './bindings/OccurrenceState';
import type { TaskDetail } from './bindings/TaskDetail';
import type { TaskEdit } from './bindings/TaskEdit';
import type { TaskState } from './bindings/TaskState';
import type { TaskStatus } from './bindings/TaskStatus';
import type { TrustedCertView } from './bindings/TrustedCertView';
import type { PassphraseCheck } from './bindings/PassphraseCheck';

export type {
  AppStatus, DoctorReport, DroppedFiles, Evidence, EvidenceProgress, Imported, ItemResult,
  RunDetail, RunSummary, Status, Template, TemplatePreview, TemplateSummary, Waiver,
  ReportProgress, ReportVerification, ReportWritten, SignerIdentity, SignoffRecord,
  CalendarEntry, Completion, NewTask, OccurrenceState, TaskDetail, TaskEdit, TaskState, TaskStatus,
  TrustedCertView, PassphraseCheck,
};
export type { RunItem } from './bindings/RunItem';

export type { ErrorCode };

/** A failed command: `code` is one of the stable codes of `signoff_codes::ErrorCode`. */
export class IpcFailure extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    const err = e as Partial<IpcError> | string;
    if (typeof err === 'object' && err && typeof err.code === 'string') {
      throw new IpcFailure(err.code, err.message ?? err.code);
    }
    throw new IpcFailure('internal', String(e));
  }
}

export const appStatus = () => call<AppStatus>('app_status');
export const listTemplates = () => call<TemplateSummary[]>('list_templates');
export const showTemplate = (reference: string) => call<Template>('show_template', { reference });
export const pickTemplateFile = () => call<TemplatePreview | null>('pick_template_file');
export const importTemplate = (token: string) => call<Imported>('import_template', { token });
export const newRun = (template: string, target: string, environment: string) =>
  call<RunSummary>('new_run', { template, target, environment });
export const listRuns = () => call<RunSummary[]>('list_runs');
export const showRun = (run: number) => call<RunDetail>('show_run', { run });
export const setResult = (
  run: number,
  item: string,
  change: { status?: Status; note?: string; reason?: string },
) => call<ItemResult>('set_result', { run, item, ...change });
export const waiveItem = (
  run: number,
  item: string,
  justification: string,
  acceptedBy: string | null,
  expiresOn: string,
) => call<Waiver>('waive_item', { run, item, justification, acceptedBy, expiresOn });
export const addEvidenceFiles = (run: number, item: string, sensitive: boolean) =>
  call<Evidence[]>('add_evidence_files', { run, item, sensitive, observedOn: null });
export const addEvidenceDropped = (token: string, run: number, item: string, sensitive: boolean) =>
  call<Evidence[]>('add_evidence_dropped', { token, run, item, sensitive, observedOn: null });
export const addEvidenceNote = (run: number, item: string, text: string) =>
  call<Evidence>('add_evidence_note', { run, item, text });
export const addEvidenceLink = (run: number, item: string, url: string, label: string | null) =>
  call<Evidence>('add_evidence_link', { run, item, url, label });
export const removeEvidence = (evidence: number) => call<null>('remove_evidence', { evidence });
export const workspaceVersion = () => call<number>('change_counter');
export const runDoctor = () => call<DoctorReport>('run_doctor');
export const closeWindow = () => call<null>('close_window');

export type Paper = 'a4' | 'letter';
export type Role = 'preparer' | 'approver';
export const identityStatus = () => call<SignerIdentity | null>('identity_status');
/** How strong a new passphrase is (zxcvbn, in Rust), with what to improve. */
export const passphraseStrength = (passphrase: string, userInputs: string[]) =>
  call<PassphraseCheck>('passphrase_strength', { passphrase, userInputs });
export const createIdentity = (
  who: { name: string; email: string; role: string; organisation: string },
  passphrase: string,
) => call<SignerIdentity>('create_identity', { ...who, passphrase });
export const importIdentity = (p12Password: string, passphrase: string, role: string) =>
  call<SignerIdentity | null>('import_identity', { p12Password, passphrase, role });
export const listSignoffs = (run: number) => call<SignoffRecord[]>('list_signoffs', { run });
export const reopenRun = (run: number) => call<RunSummary>('reopen_run', { run });
/** Signs a run; the save dialog runs in Rust. `null` when it was cancelled. */
export const signRun = (run: number, role: Role, statement: string, passphrase: string, paperSize: Paper) =>
  call<ReportWritten | null>('sign_run', { run, role, statement, passphrase, paperSize });
export const exportDraft = (run: number, paperSize: Paper) =>
  call<ReportWritten | null>('export_draft', { run, paperSize });
export const openReport = (token: string) => call<null>('open_report', { token });
/** Opens a PDF in the native dialog and checks it. `null` when cancelled. */
export const verifyReport = () => call<ReportVerification | null>('check_report');
/** Picks certificate files in the native dialog, trusts them, checks the report again. */
export const verifyReportTrusting = (token: string) =>
  call<ReportVerification | null>('verify_report_trusting', { token });
/** Trusts the certificate of the report's `index`-th signature, shown as `fingerprint`. */
export const trustSigner = (token: string, index: number, fingerprint: string) =>
  call<ReportVerification>('trust_signer', { token, index, fingerprint });
/** Checks the same report again (after the trusted certificates changed). */
export const recheckReport = (token: string) => call<ReportVerification>('recheck_report', { token });
export const listTrusted = () => call<TrustedCertView[]>('list_trusted');
export const untrustCertificate = (fingerprint: string) =>
  call<TrustedCertView[]>('untrust_certificate', { fingerprint });

/** Attaches image bytes (a pasted screenshot) sent as the raw request body. */
export async function addEvidenceBytes(
  run: number, item: string, bytes: Uint8Array, mediaType: string, sensitive: boolean,
): Promise<Evidence> {
  try {
    return await invoke<Evidence>('add_evidence_bytes', bytes, {
      headers: {
        'x-run': String(run), 'x-item': item, 'x-media-type': mediaType,
        'x-sensitive': String(sensitive),
      },
    });
  } catch (e) {
    const err = e as Partial<IpcError>;
    throw new IpcFailure(err?.code ?? 'internal', err?.message ?? String(e));
  }
}

/** A PNG thumbnail of an image evidence, made in Rust, as an object URL.
 * Fails with `picture_too_large` (or `picture_unreadable`) for a picture
 * Rust will not decode: the original never reaches the webview. */
export async function evidenceThumbnailUrl(evidence: number): Promise<string> {
  const buf = await call<ArrayBuffer>('evidence_preview', { evidence });
  return URL.createObjectURL(new Blob([buf], { type: 'image/png' }));
}

export const onDropped = (f: (d: DroppedFiles) => void): Promise<UnlistenFn> =>
  listen<DroppedFiles>(EVENT_DROPPED, (e) => f(e.payload));
export const onDragState = (f: (active: boolean) => void): Promise<UnlistenFn> =>
  listen<boolean>(EVENT_DRAG_STATE, (e) => f(e.payload));
export const onProgress = (f: (p: EvidenceProgress) => void): Promise<UnlistenFn> =>
  listen<EvidenceProgress>(EVENT_EVIDENCE_PROGRESS, (e) => f(e.payload));
export const listTasks = (includeArchived = false) => call<TaskStatus[]>('list_tasks', { includeArchived });
export const showTask = (id: string) => call<TaskDetail>('show_task', { id });
export const addTask = (task: NewTask) => call<TaskStatus>('add_task', { task });
export const editTask = (id: string, change: TaskEdit) => call<TaskStatus>('edit_task', { id, change });
export const setTaskState = (id: string, to: TaskState) => call<TaskStatus>('set_task_state', { id, to });
export const calendar = (from: string, to: string) => call<CalendarEntry[]>('calendar', { from, to });
/** The native dialog, in Rust: a token and the names, or null if cancelled. */
export const pickCompletionFiles = () => call<DroppedFiles | null>('pick_completion_files');
export const completeTask = (id: string, note: string, on: string | null, tokens: string[], sensitive: boolean) =>
  call<Completion>('complete_task', { id, note, on, tokens, sensitive });
/** Holds a pasted screenshot in Rust for a completion: a token and its name. */
export async function stagePastedImage(bytes: Uint8Array): Promise<DroppedFiles> {
  try {
    return await invoke<DroppedFiles>('stage_pasted_image', bytes);
  } catch (e) {
    const err = e as Partial<IpcError>;
    throw new IpcFailure(err?.code ?? 'internal', err?.message ?? String(e));
  }
}
export const exportIcs = () => call<string | null>('schedule_ics');
export const signMaintenanceLog = (
  from: string, to: string, role: Role, statement: string, passphrase: string, paperSize: Paper,
) => call<ReportWritten | null>('sign_maintenance_log', { from, to, role, statement, passphrase, paperSize });

export const onReportProgress = (f: (p: ReportProgress) => void): Promise<UnlistenFn> =>
  listen<ReportProgress>(EVENT_REPORT_PROGRESS, (e) => f(e.payload));
export const onCloseRequested = (f: () => void): Promise<UnlistenFn> =>
  listen(EVENT_CLOSE_REQUESTED, () => f());
