// The stored history as the sidebar shows it: the conversation list (or the archived ones),
// search while a query is typed, and what the list's actions (rename, pin, archive, delete,
// export, import) report back.
import { t } from "../i18n/locale.svelte";
import {
  deleteConversation as ipcDeleteConversation,
  exportHistory as ipcExportHistory,
  importHistory as ipcImportHistory,
  listConversations as ipcListConversations,
  searchHistory as ipcSearchHistory,
  toIpcError,
  updateConversation as ipcUpdateConversation,
} from "../ipc";
import type {
  CommandError,
  ConversationPatch,
  ConversationSummary,
  ExportFormat,
  ImportReport,
  SearchHit,
} from "../ipc/types";

export interface HistoryListIpc {
  listConversations(archived: boolean, limit?: number): Promise<ConversationSummary[]>;
  updateConversation(id: string, patch: ConversationPatch): Promise<ConversationSummary>;
  deleteConversation(id: string): Promise<void>;
  searchHistory(query: string, limit?: number): Promise<SearchHit[]>;
  exportHistory(id: string | null, format: ExportFormat): Promise<string>;
  importHistory(text: string): Promise<ImportReport>;
}

const defaultIpc: HistoryListIpc = {
  listConversations: ipcListConversations,
  updateConversation: ipcUpdateConversation,
  deleteConversation: ipcDeleteConversation,
  searchHistory: ipcSearchHistory,
  exportHistory: ipcExportHistory,
  importHistory: ipcImportHistory,
};

/** How long typing may pause before the search runs. */
export const SEARCH_DELAY_MS = 200;

export const EXPORT_FORMATS: readonly { value: ExportFormat; label: string }[] = [
  { value: "markdown", label: "Markdown" },
  { value: "html", label: "HTML" },
  { value: "json", label: "JSON" },
];

/** A line for the user after an action: what happened, or what went wrong. */
export interface StatusLine {
  kind: "ok" | "error";
  text: string;
}

/** "Imported 3 conversations (41 messages)". */
export function importSummary(report: ImportReport): string {
  const messages =
    report.messages === 1 ? t("1 message") : t("{count} messages", { count: report.messages });
  return report.conversations === 1
    ? t("Imported 1 conversation ({messages})", { messages })
    : t("Imported {count} conversations ({messages})", { count: report.conversations, messages });
}

/** What the list shows for a conversation the first question has not named yet. */
export function displayTitle(title: string): string {
  return title.trim() === "" ? t("New conversation") : title;
}

export class HistoryState {
  list: ConversationSummary[] = $state([]);
  loaded = $state(false);
  loadError: CommandError | null = $state(null);
  /** The list shows the archived conversations instead of the others. */
  archived = $state(false);

  /** The search box's text; a non-blank query replaces the list with its hits. */
  query = $state("");
  /** The hits of the last search that ran; null while none has for the current query. */
  hits: SearchHit[] | null = $state(null);
  searchError: CommandError | null = $state(null);

  /** The outcome of the last action on the list (export path, a failed rename, ...). */
  status: StatusLine | null = $state(null);
  /** The outcome of the last import. */
  importStatus: StatusLine | null = $state(null);
  importing = $state(false);

  readonly #ipc: HistoryListIpc;
  #listGeneration = 0;
  #searchGeneration = 0;
  #searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ipc: HistoryListIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  /** A query is typed: the sidebar shows hits, not the list. */
  get searching(): boolean {
    return this.query.trim() !== "";
  }

  async refresh(): Promise<void> {
    const generation = ++this.#listGeneration;
    try {
      const list = await this.#ipc.listConversations(this.archived);
      if (generation !== this.#listGeneration) return;
      this.list = list;
      this.loadError = null;
    } catch (e) {
      if (generation !== this.#listGeneration) return;
      this.loadError = toIpcError(e).toCommandError();
    } finally {
      if (generation === this.#listGeneration) this.loaded = true;
    }
  }

  /** Shows the archived conversations (or the others again). */
  async showArchived(archived: boolean): Promise<void> {
    if (this.archived === archived) return;
    this.archived = archived;
    this.list = [];
    this.loaded = false;
    await this.refresh();
  }

  /** Changes the query; the search runs once typing pauses. */
  setQuery(query: string): void {
    this.query = query;
    if (this.#searchTimer !== null) clearTimeout(this.#searchTimer);
    this.#searchTimer = null;
    // A newer query makes any search still running stale.
    this.#searchGeneration++;
    this.hits = null;
    this.searchError = null;
    if (!this.searching) return;
    this.#searchTimer = setTimeout(() => {
      this.#searchTimer = null;
      void this.#search(query.trim());
    }, SEARCH_DELAY_MS);
  }

  async #search(query: string): Promise<void> {
    const generation = ++this.#searchGeneration;
    try {
      const hits = await this.#ipc.searchHistory(query);
      if (generation !== this.#searchGeneration) return;
      this.hits = hits;
      this.searchError = null;
    } catch (e) {
      if (generation !== this.#searchGeneration) return;
      this.hits = [];
      this.searchError = toIpcError(e).toCommandError();
    }
  }

  async rename(id: string, title: string): Promise<boolean> {
    const trimmed = title.trim();
    const current = this.list.find((c) => c.id === id);
    if (trimmed === "" || current?.title === trimmed) return false;
    return this.#update(id, { title: trimmed }, t("Couldn't rename the conversation"));
  }

  async setPinned(id: string, pinned: boolean): Promise<boolean> {
    return this.#update(
      id,
      { pinned },
      pinned ? t("Couldn't pin the conversation") : t("Couldn't unpin the conversation"),
    );
  }

  async setArchived(id: string, archived: boolean): Promise<boolean> {
    const title = displayTitle(this.list.find((c) => c.id === id)?.title ?? "");
    const done = await this.#update(
      id,
      { archived },
      archived ? t("Couldn't archive the conversation") : t("Couldn't restore the conversation"),
    );
    if (done) {
      this.status = {
        kind: "ok",
        text: archived ? t("Archived “{title}”.", { title }) : t("Restored “{title}” from the archive.", { title }),
      };
    }
    return done;
  }

  async remove(id: string): Promise<boolean> {
    const title = displayTitle(this.list.find((c) => c.id === id)?.title ?? "");
    try {
      await this.#ipc.deleteConversation(id);
    } catch (e) {
      this.status = {
        kind: "error",
        text: t("Couldn't delete the conversation: {message}", { message: toIpcError(e).message }),
      };
      return false;
    }
    this.list = this.list.filter((c) => c.id !== id);
    this.status = { kind: "ok", text: t("Deleted “{title}”.", { title }) };
    await this.refresh();
    return true;
  }

  /** Writes an export (every conversation as JSON when `id` is null) and says where. */
  async exportTo(id: string | null, format: ExportFormat): Promise<string | null> {
    try {
      const path = await this.#ipc.exportHistory(id, format);
      this.status = { kind: "ok", text: t("Exported to {path}", { path }) };
      return path;
    } catch (e) {
      this.status = { kind: "error", text: t("Couldn't export: {message}", { message: toIpcError(e).message }) };
      return null;
    }
  }

  /** Imports a Switchboard or ChatGPT JSON export (all or nothing). */
  async importText(text: string): Promise<ImportReport | null> {
    this.importing = true;
    try {
      const report = await this.#ipc.importHistory(text);
      this.importStatus = { kind: "ok", text: t("{summary}.", { summary: importSummary(report) }) };
      await this.refresh();
      return report;
    } catch (e) {
      this.importStatus = { kind: "error", text: t("Couldn't import: {message}", { message: toIpcError(e).message }) };
      return null;
    } finally {
      this.importing = false;
    }
  }

  dismissStatus(): void {
    this.status = null;
  }

  async #update(id: string, patch: ConversationPatch, failure: string): Promise<boolean> {
    try {
      const summary = await this.#ipc.updateConversation(id, patch);
      this.list = this.list.map((c) => (c.id === id ? summary : c));
    } catch (e) {
      this.status = { kind: "error", text: t("{failure}: {message}", { failure, message: toIpcError(e).message }) };
      return false;
    }
    // Pinning and archiving move it; the backend knows the order.
    await this.refresh();
    return true;
  }
}
