// The only module that talks to @tauri-apps/api. Everything else in the UI goes through
// these typed wrappers, so the command names and argument keys live in one place.
import { Channel, invoke } from "@tauri-apps/api/core";
import { t } from "../i18n/locale.svelte";
import type { StartupTimeline } from "../startup";
import type {
  AccountUpdate,
  AppSettings,
  AccountView,
  ConversationPatch,
  ConversationSummary,
  ConversationView,
  ExportFormat,
  ImportReport,
  SearchHit,
  CommandError,
  ConnectionReport,
  ErrorCode,
  KeyringStatus,
  ModelGroup,
  NewAccount,
  PresetView,
  SendRequest,
  StreamEvent,
} from "./types";

export type * from "./types";

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "auth",
  "rate_limit",
  "quota",
  "bad_request",
  "not_found",
  "server",
  "network",
  "stalled",
  "content_filter",
  "incomplete",
  "protocol",
  "keyring",
  "invalid_input",
  "internal",
]);

/** A rejected command, always with a known code and a readable message. */
export class IpcError extends Error implements CommandError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "IpcError";
    this.code = code;
  }

  /** Plain `{ code, message }` copy, safe to keep in reactive state. */
  toCommandError(): CommandError {
    return { code: this.code, message: this.message };
  }
}

/** What a command says outside the app (a plain browser tab has no backend). */
export function backendUnavailable(): string {
  return t("The Switchboard backend is not reachable. Open this window from the Switchboard app.");
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && ERROR_CODES.has(value);
}

/**
 * Turns whatever a command rejected with into an IpcError. Rust sends `CommandError`
 * objects; odd cases (a panic, a plugin, a missing command) arrive as plain strings;
 * outside Tauri the JS side itself throws a TypeError.
 */
export function toIpcError(raw: unknown): IpcError {
  if (raw instanceof IpcError) return raw;
  if (typeof raw === "string") {
    return new IpcError("internal", raw.trim() || t("Unknown error"));
  }
  if (raw !== null && typeof raw === "object") {
    const obj = raw as Record<string, unknown>;
    const message =
      typeof obj.message === "string" && obj.message.trim() !== ""
        ? obj.message
        : undefined;
    if (isErrorCode(obj.code)) {
      return new IpcError(obj.code, message ?? t("Command failed ({code})", { code: obj.code }));
    }
    if (message !== undefined) return new IpcError("internal", message);
  }
  return new IpcError("internal", t("Unknown error"));
}

function backendAvailable(): boolean {
  const internals = (globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } })
    .__TAURI_INTERNALS__;
  return typeof internals?.invoke === "function";
}

/**
 * Calls the first screen needs, started before the UI is built (`startFirstScreen`): each is
 * taken by the first identical call, and what nobody took is dropped when start-up ends.
 */
const early = new Map<string, Promise<unknown>>();
let startingEarly = false;

/**
 * Starts the first screen's calls (the accounts, the conversation list, the models) while the
 * rest of the UI loads, so the first paint can show them. Resolves when all have answered,
 * never rejects: failures reach whoever takes the call.
 */
export function startFirstScreen(): Promise<void> {
  startingEarly = true;
  let started: Promise<unknown>[];
  try {
    started = [listAccounts(), listConversations(), listModels()];
  } finally {
    startingEarly = false;
  }
  return Promise.allSettled(started).then(() => undefined);
}

/** Start-up is over: calls from now on always ask the backend. */
export function endFirstScreen(): void {
  early.clear();
}

function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  // Only the first screen's argument-light calls are ever keyed.
  if (!startingEarly && early.size === 0) return fresh<T>(cmd, args);
  const key = `${cmd} ${JSON.stringify(args ?? {})}`;
  if (startingEarly) {
    const started = fresh<T>(cmd, args);
    // Unhandled until taken; its taker sees the failure.
    started.catch(() => undefined);
    early.set(key, started);
    return started;
  }
  const taken = early.get(key);
  if (taken) {
    early.delete(key);
    return taken as Promise<T>;
  }
  return fresh<T>(cmd, args);
}

async function fresh<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  if (!backendAvailable()) throw new IpcError("internal", backendUnavailable());
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

let reportedFrame: number | null = null;

/**
 * Tells the core that a frame which applies rendered markdown started at `frameStart` (the
 * animation frame's timestamp), so a streaming answer sends its next renders just ahead of the
 * next frames (sb-core's pacing.rs). Once per frame however many views update in it; never
 * fails and never waits.
 */
export function frameShown(frameStart: DOMHighResTimeStamp): void {
  if (frameStart === reportedFrame || !backendAvailable()) return;
  reportedFrame = frameStart;
  invoke("frame_shown", { startedAt: performance.timeOrigin + frameStart }).catch(() => undefined);
}

/** Accounts known to the backend (never with their keys). */
export function listAccounts(): Promise<AccountView[]> {
  return call<AccountView[]>("list_accounts");
}

/** Stores a new account; its API key goes to the OS keyring and never comes back. */
export function addAccount(account: NewAccount): Promise<AccountView> {
  return call<AccountView>("add_account", { account });
}

/** Changes an account's settings; a non-empty `apiKey` or `proxyPassword` replaces the stored one. */
export function updateAccount(id: string, update: AccountUpdate): Promise<AccountView> {
  return call<AccountView>("update_account", { id, update });
}

/** Puts the accounts in this order (the routing priority); resolves with the new list. */
export function reorderAccounts(ids: string[]): Promise<AccountView[]> {
  return call<AccountView[]>("reorder_accounts", { ids });
}

/** Deletes an account's key from the keyring; the account stays (and needs a key to work). */
export function deleteKey(id: string): Promise<AccountView> {
  return call<AccountView>("delete_key", { id });
}

/** Removes an account and its keyring entries. */
export function removeAccount(id: string): Promise<void> {
  return call<void>("remove_account", { id });
}

/**
 * Tests an account: checks its key by listing its models, and keeps the list for the model
 * picker. Resolves with the verdict even when the test fails (a failure is a verdict).
 */
export function testAccount(id: string): Promise<ConnectionReport> {
  return call<ConnectionReport>("test_account", { id });
}

/** The provider presets, for the add-account page. */
export function listPresets(): Promise<PresetView[]> {
  return call<PresetView[]>("list_presets");
}

/** Every model the enabled accounts can serve, grouped by logical model, with route health. */
export function listModels(): Promise<ModelGroup[]> {
  return call<ModelGroup[]>("list_models");
}

/** Whether the OS keyring works, and if not, what to do. */
export function keyringStatus(): Promise<KeyringStatus> {
  return call<KeyringStatus>("keyring_status");
}

/**
 * Starts a streamed answer. Events arrive in order on `onEvent`; the promise resolves
 * to the request id (usable with stopMessage) once the backend has accepted the request.
 */
export async function sendMessage(
  request: SendRequest,
  onEvent: (event: StreamEvent) => void,
): Promise<string> {
  if (!backendAvailable()) throw new IpcError("internal", backendUnavailable());
  const channel = new Channel<StreamEvent>();
  channel.onmessage = onEvent;
  return call<string>("send_message", { request, onEvent: channel });
}

/** Aborts a streamed answer; its channel then receives a `stopped` event. */
export function stopMessage(requestId: string): Promise<void> {
  return call<void>("stop_message", { requestId });
}

/** Conversations for the sidebar: pinned first, then the most recently updated. */
export function listConversations(archived = false, limit = 200): Promise<ConversationSummary[]> {
  return call<ConversationSummary[]>("list_conversations", { archived, limit });
}

/** Opens a conversation on its current branch; `limit` loads only the last messages. */
export function openConversation(id: string, limit?: number): Promise<ConversationView> {
  return call<ConversationView>("open_conversation", { id, limit: limit ?? null });
}

/** Earlier messages of the current branch: `limit` messages ending before branch index `before`. */
export function loadEarlier(id: string, before: number, limit: number): Promise<ConversationView> {
  return call<ConversationView>("load_earlier", { id, before, limit });
}

/** Shows the branch through `messageId` (descending to its latest answer). */
export function switchBranch(conversationId: string, messageId: string): Promise<ConversationView> {
  return call<ConversationView>("switch_branch", { conversationId, messageId });
}

/** Deletes a message and everything below it; resolves to the conversation as it now shows. */
export function deleteMessage(conversationId: string, messageId: string): Promise<ConversationView> {
  return call<ConversationView>("delete_message", { conversationId, messageId });
}

/** Renames, pins, archives or changes the system prompt of a conversation. */
export function updateConversation(id: string, patch: ConversationPatch): Promise<ConversationSummary> {
  return call<ConversationSummary>("update_conversation", { id, patch });
}

export function deleteConversation(id: string): Promise<void> {
  return call<void>("delete_conversation", { id });
}

/** Full-text search across every conversation (English, Chinese, Japanese...). */
export function searchHistory(query: string, limit = 50): Promise<SearchHit[]> {
  return call<SearchHit[]>("search_history", { query, limit });
}

/**
 * Writes an export into the user's Downloads folder and resolves with the file's path.
 * `id` null exports every conversation (JSON only).
 */
export function exportHistory(id: string | null, format: ExportFormat): Promise<string> {
  return call<string>("export_history", { id, format });
}

/**
 * Imports a Switchboard JSON export or a ChatGPT `conversations.json` (recognized by content).
 * All or nothing: a bad file is refused with what is wrong and nothing changes.
 */
export function importHistory(text: string): Promise<ImportReport> {
  return call<ImportReport>("import_history", { text });
}

/** Opens an http, https or mailto link from an answer in the system browser or mail client. */
export function openLink(url: string): Promise<void> {
  return call<void>("open_link", { url });
}

/** Fetches a remote image the user allowed; resolves to a `data:image/…` URL. */
export function loadRemoteImage(url: string): Promise<string> {
  return call<string>("load_remote_image", { url });
}

/**
 * Tells the app the first meaningful paint (the conversation list) is on screen; start-up is
 * over, and how its time went. The benchmark reads the mark (src-tauri/src/startup.rs). Never
 * fails the page.
 */
export function appReady(timeline: StartupTimeline): Promise<void> {
  return call<void>("app_ready", { timeline }).catch(() => undefined);
}

/** The default proxy and the data directory. */
export function getAppSettings(): Promise<AppSettings> {
  return call<AppSettings>("get_app_settings", {});
}

/** Sets the default proxy (null or blank: the system's settings); a bad address is refused. */
export function setDefaultProxy(proxy: string | null): Promise<AppSettings> {
  return call<AppSettings>("set_default_proxy", { proxy });
}

/** Shows the data directory in the system's file manager. */
export function openDataDir(): Promise<void> {
  return call<void>("open_data_dir", {});
}
