import { describe, expect, it, vi } from "vitest";
import type { AccountView, NewAccount } from "../ipc/types";
import {
  AccountsState,
  hostOf,
  normalizeNewAccount,
  validateNewAccount,
} from "./accounts.svelte";

const valid: NewAccount = {
  label: "Work",
  baseUrl: "https://api.openai.com/v1",
  apiKey: "sk-test",
  model: "gpt-5.1",
  api: "chat",
  serverState: false,
};

describe("validateNewAccount", () => {
  it("accepts a complete account", () => {
    expect(validateNewAccount(valid), "all fields filled and an https URL").toBeNull();
    expect(
      validateNewAccount({ ...valid, baseUrl: "http://127.0.0.1:11434/v1" }),
      "plain http is allowed for local servers",
    ).toBeNull();
  });

  it.each([
    [{ label: "  " }, /label/i, "a blank label"],
    [{ baseUrl: "" }, /base URL/i, "a missing base URL"],
    [{ baseUrl: "api.openai.com/v1" }, /not a valid URL/i, "a URL without scheme"],
    [{ baseUrl: "ftp://example.com" }, /https?:\/\//i, "a non-http scheme"],
    [{ apiKey: "" }, /API key/i, "a missing key"],
    [{ model: " " }, /model/i, "a blank model"],
    [{ api: "graphql" as never }, /protocol/i, "an unknown protocol"],
  ] as const)("rejects %o", (patch, pattern, why) => {
    expect(validateNewAccount({ ...valid, ...patch }), `${why} must be caught before sending`).toMatch(
      pattern,
    );
  });
});

describe("normalizeNewAccount", () => {
  it("trims the text fields and keeps the chosen protocol", () => {
    expect(
      normalizeNewAccount({ ...valid, label: " Work ", model: " m ", api: "responses" }),
      "the protocol must reach the backend unchanged",
    ).toEqual({ ...valid, label: "Work", model: "m", api: "responses" });
  });

  it("keeps server-side state only for Responses accounts", () => {
    expect(
      normalizeNewAccount({ ...valid, api: "chat", serverState: true }).serverState,
      "chat completions has no stored responses to continue from",
    ).toBe(false);
    expect(normalizeNewAccount({ ...valid, api: "responses", serverState: true }).serverState).toBe(
      true,
    );
  });
});

describe("hostOf", () => {
  it("shows the host for a URL and the raw text otherwise", () => {
    expect(hostOf("https://api.example.com:8443/v1"), "host and port, no path").toBe(
      "api.example.com:8443",
    );
    expect(hostOf("not a url"), "unparseable text is shown as-is").toBe("not a url");
  });
});

describe("AccountsState", () => {
  const a1: AccountView = { id: "a1", label: "One", baseUrl: "https://x/v1", model: "m1", api: "chat", serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null };
  const a2: AccountView = { id: "a2", label: "Two", baseUrl: "https://y/v1", model: "m2", api: "responses", serverState: false, preset: "custom", allowHttp: false, headers: [], enabled: true, hasKey: true, keyHint: null };

  it("selects the first account on load and follows the selection's model", async () => {
    const state = new AccountsState({
      listAccounts: vi.fn(async () => [a1, a2]),
      addAccount: vi.fn(),
    });
    await state.load();
    expect(state.selected?.id, "the first account is selected by default").toBe("a1");
    expect(state.model, "the model starts as the account's default").toBe("m1");
    state.select("a2");
    expect(state.model, "switching accounts switches to that account's model").toBe("m2");
  });

  it("selects a newly added account", async () => {
    const state = new AccountsState({
      listAccounts: vi.fn(async () => [a1]),
      addAccount: vi.fn(async () => a2),
    });
    await state.load();
    await state.add({ ...valid });
    expect(state.list.map((a) => a.id), "the new account is listed").toEqual(["a1", "a2"]);
    expect(state.selectedId, "the new account becomes the selected one").toBe("a2");
  });

  it("records a load failure instead of throwing", async () => {
    const state = new AccountsState({
      listAccounts: vi.fn(async () => {
        throw { code: "keyring", message: "locked" };
      }),
      addAccount: vi.fn(),
    });
    await state.load();
    expect(state.loadError, "the error is kept for the banner").toEqual({ code: "keyring", message: "locked" });
    expect(state.loaded, "loading is over, so the UI can show the form").toBe(true);
  });
});
