// A fake backend for component tests: answers every command from memory through
// @tauri-apps/api/mocks, records each call and exposes each stream's channel.
import type { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  AccountUpdate,
  AccountView,
  ConnectionReport,
  KeyringStatus,
  ModelGroup,
  NewAccount,
  PresetView,
  StreamEvent,
} from "../ipc/types";
import { OK, PRESETS } from "./fixtures";
import { ChannelFeed } from "./tauri";

export type Call = { cmd: string; args: Record<string, unknown> };

export class FakeBackend {
  accounts: AccountView[] = [];
  presets: PresetView[] = structuredClone(PRESETS);
  groups: ModelGroup[] = [];
  keyring: KeyringStatus = { available: true, message: null };
  reports: Record<string, ConnectionReport> = {};
  /** A command name here rejects with the given value. */
  failures: Record<string, unknown> = {};
  calls: Call[] = [];
  feeds: ChannelFeed<StreamEvent>[] = [];

  install(): void {
    mockIPC((cmd, raw) => {
      const args = (raw ?? {}) as Record<string, unknown>;
      this.calls.push({ cmd, args });
      if (cmd in this.failures) throw this.failures[cmd];
      return this.answer(cmd, args);
    });
  }

  called(cmd: string): Call[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }

  private answer(cmd: string, args: Record<string, unknown>): unknown {
    switch (cmd) {
      case "list_accounts":
        return structuredClone(this.accounts);
      case "list_presets":
        return structuredClone(this.presets);
      case "list_models":
        return structuredClone(this.groups);
      case "keyring_status":
        return { ...this.keyring };
      case "add_account": {
        const input = args.account as NewAccount;
        const view: AccountView = {
          id: `acc-${this.accounts.length + 1}`,
          label: input.label,
          baseUrl: input.baseUrl,
          model: input.model,
          api: input.api,
          serverState: input.serverState,
          preset: input.preset ?? "custom",
          allowHttp: input.allowHttp ?? false,
          headers: input.headers ?? [],
          enabled: true,
          hasKey: input.apiKey !== "",
          keyHint: input.apiKey === "" ? null : input.apiKey.slice(-4),
          keyProblem: null,
          proxy: input.proxy ?? null,
          hasProxyPassword: (input.proxyPassword ?? "") !== "",
          maxConcurrent: input.maxConcurrent ?? null,
          customModels: input.customModels ?? [],
          health: input.apiKey === "" ? { state: "no_key", detail: null, retryInSecs: null } : OK,
        };
        this.accounts.push(view);
        return structuredClone(view);
      }
      case "update_account": {
        const { id, update } = args as { id: string; update: AccountUpdate };
        const index = this.accounts.findIndex((a) => a.id === id);
        if (index < 0) throw { code: "not_found", message: `no account ${id}` };
        const old = this.accounts[index]!;
        const { apiKey, proxyPassword, ...settings } = update;
        const view: AccountView = {
          ...old,
          ...settings,
          hasKey: old.hasKey || (apiKey ?? "") !== "",
          keyHint: apiKey ? apiKey.slice(-4) : old.keyHint,
          hasProxyPassword: old.hasProxyPassword || (proxyPassword ?? "") !== "",
          health: settings.enabled ? old.health : { state: "disabled", detail: null, retryInSecs: null },
        };
        this.accounts[index] = view;
        return structuredClone(view);
      }
      case "delete_key": {
        const account = this.accounts.find((a) => a.id === args.id);
        if (!account) throw { code: "not_found", message: "no such account" };
        account.hasKey = false;
        account.keyHint = null;
        return structuredClone(account);
      }
      case "reorder_accounts": {
        const ids = args.ids as string[];
        const reordered = ids.map((id) => this.accounts.find((a) => a.id === id));
        if (reordered.length !== this.accounts.length || reordered.some((a) => a === undefined)) {
          throw { code: "invalid_input", message: "The account list changed meanwhile." };
        }
        this.accounts = reordered as AccountView[];
        return structuredClone(this.accounts);
      }
      case "remove_account":
        this.accounts = this.accounts.filter((a) => a.id !== args.id);
        return null;
      case "test_account": {
        const report = this.reports[args.id as string];
        if (!report) throw { code: "internal", message: `no report for ${String(args.id)}` };
        return structuredClone(report);
      }
      case "send_message": {
        const feed = new ChannelFeed(args.onEvent as Channel<StreamEvent>);
        this.feeds.push(feed);
        return `req-${this.feeds.length}`;
      }
      case "stop_message":
        return null;
      default:
        throw { code: "internal", message: `unknown command ${cmd}` };
    }
  }
}
