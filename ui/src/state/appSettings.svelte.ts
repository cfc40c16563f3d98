// The app-wide settings Rust keeps (the default proxy) and where the data lives, as the
// settings page edits and shows them.
import { t } from "../i18n/locale.svelte";
import {
  getAppSettings as ipcGetAppSettings,
  openDataDir as ipcOpenDataDir,
  setDefaultProxy as ipcSetDefaultProxy,
  toIpcError,
} from "../ipc";
import type { AppSettings, CommandError } from "../ipc/types";
import type { StatusLine } from "./history.svelte";

export interface AppSettingsIpc {
  getAppSettings(): Promise<AppSettings>;
  setDefaultProxy(proxy: string | null): Promise<AppSettings>;
  openDataDir(): Promise<void>;
}

const defaultIpc: AppSettingsIpc = {
  getAppSettings: ipcGetAppSettings,
  setDefaultProxy: ipcSetDefaultProxy,
  openDataDir: ipcOpenDataDir,
};

export class AppSettingsState {
  settings: AppSettings | null = $state(null);
  loadError: CommandError | null = $state(null);
  /** The proxy field's text (saved only on Save). */
  proxyText = $state("");
  saving = $state(false);
  /** What the last save or folder action said. */
  status: StatusLine | null = $state(null);

  readonly #ipc: AppSettingsIpc;

  constructor(ipc: AppSettingsIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  /** The field differs from what is saved. */
  get proxyChanged(): boolean {
    return this.proxyText.trim() !== (this.settings?.defaultProxy ?? "");
  }

  async load(): Promise<void> {
    try {
      this.settings = await this.#ipc.getAppSettings();
      this.proxyText = this.settings.defaultProxy ?? "";
      this.loadError = null;
    } catch (e) {
      this.loadError = toIpcError(e).toCommandError();
    }
  }

  /** Saves the field; Rust checks the address and says what is wrong. */
  async saveProxy(): Promise<void> {
    const text = this.proxyText.trim();
    this.saving = true;
    try {
      this.settings = await this.#ipc.setDefaultProxy(text === "" ? null : text);
      this.proxyText = this.settings.defaultProxy ?? "";
      this.status = {
        kind: "ok",
        text: this.settings.defaultProxy
          ? t("Accounts without their own proxy now connect through {proxy}.", { proxy: this.settings.defaultProxy })
          : t("Accounts without their own proxy now use the system's proxy settings."),
      };
    } catch (e) {
      this.status = { kind: "error", text: toIpcError(e).message };
    } finally {
      this.saving = false;
    }
  }

  async openDataDir(): Promise<void> {
    try {
      await this.#ipc.openDataDir();
      this.status = null;
    } catch (e) {
      this.status = { kind: "error", text: toIpcError(e).message };
    }
  }
}
