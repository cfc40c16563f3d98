// Accounts state: what the backend knows about accounts (never keys), the provider presets,
// whether the keyring works, and the last connection test of each account.
import { t } from "../i18n/locale.svelte";
import {
  addAccount as ipcAddAccount,
  deleteKey as ipcDeleteKey,
  keyringStatus as ipcKeyringStatus,
  listAccounts as ipcListAccounts,
  listPresets as ipcListPresets,
  removeAccount as ipcRemoveAccount,
  reorderAccounts as ipcReorderAccounts,
  testAccount as ipcTestAccount,
  toIpcError,
  updateAccount as ipcUpdateAccount,
} from "../ipc";
import type {
  AccountUpdate,
  AccountView,
  CommandError,
  ConnectionReport,
  KeyringStatus,
  NewAccount,
  PresetView,
} from "../ipc/types";
import { updateFromView } from "./accountForm";

export { hostOf } from "./accountForm";

export interface AccountsIpc {
  listAccounts(): Promise<AccountView[]>;
  addAccount(account: NewAccount): Promise<AccountView>;
  updateAccount(id: string, update: AccountUpdate): Promise<AccountView>;
  deleteKey(id: string): Promise<AccountView>;
  removeAccount(id: string): Promise<void>;
  reorderAccounts(ids: string[]): Promise<AccountView[]>;
  testAccount(id: string): Promise<ConnectionReport>;
  listPresets(): Promise<PresetView[]>;
  keyringStatus(): Promise<KeyringStatus>;
}

const defaultIpc: AccountsIpc = {
  listAccounts: ipcListAccounts,
  addAccount: ipcAddAccount,
  updateAccount: ipcUpdateAccount,
  deleteKey: ipcDeleteKey,
  removeAccount: ipcRemoveAccount,
  reorderAccounts: ipcReorderAccounts,
  testAccount: ipcTestAccount,
  listPresets: ipcListPresets,
  keyringStatus: ipcKeyringStatus,
};

/** The last connection test of an account. */
export type TestState =
  | { status: "testing" }
  | { status: "done"; report: ConnectionReport }
  | { status: "failed"; error: CommandError };

/**
 * Used when the presets cannot be loaded (e.g. outside the app): the user can still add an
 * account by hand.
 */
export const CUSTOM_PRESET: PresetView = {
  id: "custom",
  name: "Custom",
  baseUrl: "",
  local: false,
  keyRequired: false,
  modelIdStyle: "",
  models: [],
};

export class AccountsState {
  list: AccountView[] = $state([]);
  loading = $state(false);
  loaded = $state(false);
  loadError: CommandError | null = $state(null);

  presets: PresetView[] = $state([]);
  presetsLoaded = $state(false);
  presetsError: CommandError | null = $state(null);

  keyring: KeyringStatus | null = $state(null);
  /** The last connection test per account id. */
  tests: Record<string, TestState> = $state({});

  /** Called after anything that can change which models are on offer. */
  onchange: (() => void) | null = null;

  readonly #ipc: AccountsIpc;

  constructor(ipc: AccountsIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  /** What the keyring banner says, or null while the keyring works (or is not known yet). */
  get keyringProblem(): string | null {
    if (!this.keyring || this.keyring.available) return null;
    return (
      this.keyring.message?.trim() || t("The system keyring cannot be used, so keys cannot be stored or read.")
    );
  }

  byId(id: string): AccountView | null {
    return this.list.find((a) => a.id === id) ?? null;
  }

  presetById(id: string): PresetView | null {
    return this.presets.find((p) => p.id === id) ?? (id === CUSTOM_PRESET.id ? CUSTOM_PRESET : null);
  }

  /** The preset's name for display; its id when the preset is unknown. */
  presetName(id: string): string {
    return this.presetById(id)?.name ?? id;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      this.list = await this.#ipc.listAccounts();
    } catch (e) {
      this.loadError = toIpcError(e).toCommandError();
    } finally {
      this.loading = false;
      this.loaded = true;
    }
  }

  async loadPresets(): Promise<void> {
    this.presetsError = null;
    try {
      this.presets = await this.#ipc.listPresets();
    } catch (e) {
      this.presetsError = toIpcError(e).toCommandError();
    } finally {
      this.presetsLoaded = true;
    }
  }

  /** Asks whether the keyring works. A failing check is itself a reason for the banner. */
  async checkKeyring(): Promise<void> {
    try {
      this.keyring = await this.#ipc.keyringStatus();
    } catch (e) {
      const error = toIpcError(e);
      // Outside the app the load error already says so; don't say it twice.
      this.keyring = error.code === "keyring" ? { available: false, message: error.message } : null;
    }
  }

  /** Saves a new account. Rejects with an IpcError on failure. */
  async add(account: NewAccount): Promise<AccountView> {
    const saved = await this.#guard(this.#ipc.addAccount(account));
    this.list = [...this.list.filter((a) => a.id !== saved.id), saved];
    this.#changed();
    return saved;
  }

  /** Saves an account's settings. Rejects with an IpcError on failure. */
  async update(id: string, update: AccountUpdate): Promise<AccountView> {
    const saved = await this.#guard(this.#ipc.updateAccount(id, update));
    this.#replace(saved);
    this.#changed();
    return saved;
  }

  /** Turns an account on or off, keeping every other setting as stored. */
  async setEnabled(id: string, enabled: boolean): Promise<AccountView> {
    const account = this.byId(id);
    if (!account) throw toIpcError({ code: "not_found", message: t("This account no longer exists.") });
    return this.update(id, updateFromView(account, { enabled }));
  }

  async deleteKey(id: string): Promise<AccountView> {
    const saved = await this.#guard(this.#ipc.deleteKey(id));
    this.#replace(saved);
    this.#changed();
    return saved;
  }

  async remove(id: string): Promise<void> {
    await this.#guard(this.#ipc.removeAccount(id));
    this.list = this.list.filter((a) => a.id !== id);
    delete this.tests[id];
    this.#changed();
  }

  /**
   * Moves an account one place up (-1) or down (+1) in the priority order. A move past either
   * end does nothing. Rejects with an IpcError (e.g. the list changed meanwhile).
   */
  async move(id: string, by: -1 | 1): Promise<void> {
    const from = this.list.findIndex((a) => a.id === id);
    const to = from + by;
    if (from < 0 || to < 0 || to >= this.list.length) return;
    const ids = this.list.map((a) => a.id);
    [ids[from], ids[to]] = [ids[to], ids[from]];
    this.list = await this.#guard(this.#ipc.reorderAccounts(ids));
    this.#changed();
  }

  /** Tests the connection; the verdict (or the failure) is kept in `tests[id]`. */
  async test(id: string): Promise<void> {
    this.tests[id] = { status: "testing" };
    try {
      const report = await this.#ipc.testAccount(id);
      this.tests[id] = { status: "done", report };
    } catch (e) {
      this.tests[id] = { status: "failed", error: toIpcError(e).toCommandError() };
    }
    // The test keeps the listed models for the picker and may change the account's health.
    await this.load();
    this.#changed();
  }

  #replace(saved: AccountView): void {
    this.list = this.list.map((a) => (a.id === saved.id ? saved : a));
  }

  #changed(): void {
    this.onchange?.();
  }

  /** Normalizes a command's rejection; a keyring failure refreshes the keyring banner. */
  async #guard<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (e) {
      const error = toIpcError(e);
      if (error.code === "keyring") void this.checkKeyring();
      throw error;
    }
  }
}
