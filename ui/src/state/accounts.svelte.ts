// Accounts state: what the backend knows (never keys), which one is selected, and the
// model the next message will use.
import {
  addAccount as ipcAddAccount,
  listAccounts as ipcListAccounts,
  toIpcError,
} from "../ipc";
import type { AccountView, Api, CommandError, NewAccount } from "../ipc/types";

export interface AccountsIpc {
  listAccounts(): Promise<AccountView[]>;
  addAccount(account: NewAccount): Promise<AccountView>;
}

const defaultIpc: AccountsIpc = {
  listAccounts: ipcListAccounts,
  addAccount: ipcAddAccount,
};

/** The protocols an account can speak, as offered in the add-account form. */
export const API_OPTIONS: readonly { value: Api; label: string }[] = [
  { value: "chat", label: "Chat Completions (/chat/completions)" },
  { value: "responses", label: "Responses (/responses)" },
];

/** Returns a readable problem with the form values, or null when they can be sent. */
export function validateNewAccount(account: NewAccount): string | null {
  if (account.label.trim() === "") return "Give the account a label.";
  const baseUrl = account.baseUrl.trim();
  if (baseUrl === "") return "Enter the API base URL.";
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return "The base URL is not a valid URL (for example https://api.openai.com/v1).";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "The base URL must start with https:// or http://.";
  }
  if (account.apiKey.trim() === "") return "Enter the API key.";
  if (account.model.trim() === "") return "Enter a model ID.";
  if (!API_OPTIONS.some((o) => o.value === account.api)) return "Choose a protocol.";
  return null;
}

/** Trims what should be trimmed; the key is sent exactly as typed, minus surrounding spaces. */
export function normalizeNewAccount(account: NewAccount): NewAccount {
  return {
    label: account.label.trim(),
    baseUrl: account.baseUrl.trim(),
    apiKey: account.apiKey.trim(),
    model: account.model.trim(),
    api: account.api,
    // Server-side conversation state exists only in the Responses API.
    serverState: account.api === "responses" && account.serverState,
  };
}

/** Host (and port) of a base URL for compact display; the raw text if it doesn't parse. */
export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host || baseUrl;
  } catch {
    return baseUrl;
  }
}

export class AccountsState {
  list: AccountView[] = $state([]);
  selectedId: string | null = $state(null);
  /** Model for the next message; starts as the selected account's default. */
  model = $state("");
  loading = $state(false);
  loaded = $state(false);
  loadError: CommandError | null = $state(null);

  readonly #ipc: AccountsIpc;

  constructor(ipc: AccountsIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  get selected(): AccountView | null {
    return this.list.find((a) => a.id === this.selectedId) ?? null;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      const accounts = await this.#ipc.listAccounts();
      this.list = accounts;
      if (!this.selected) this.select(accounts[0]?.id ?? null);
    } catch (e) {
      this.loadError = toIpcError(e).toCommandError();
    } finally {
      this.loading = false;
      this.loaded = true;
    }
  }

  select(id: string | null): void {
    const account = this.list.find((a) => a.id === id) ?? null;
    this.selectedId = account?.id ?? null;
    this.model = account?.model ?? "";
  }

  /** Saves a new account and selects it. Rejects with an IpcError on failure. */
  async add(account: NewAccount): Promise<AccountView> {
    const saved = await this.#ipc.addAccount(account);
    this.list = [...this.list.filter((a) => a.id !== saved.id), saved];
    this.select(saved.id);
    return saved;
  }
}
