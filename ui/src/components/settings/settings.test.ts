import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountUpdate, NewAccount } from "../../ipc/types";
import { FakeBackend } from "../../test-support/backend";
import { $, $$, choose, click, must, startApp, stopApp, type } from "../../test-support/dom";
import { accountView, group, route } from "../../test-support/fixtures";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
  backend.install();
});

afterEach(() => {
  stopApp();
  clearMocks();
});

function row(id: string): HTMLElement {
  return must(`.account-row[data-account-id='${id}']`);
}

function sentAccount(): NewAccount {
  const call = backend.called("add_account").at(-1);
  if (!call) throw new Error("add_account was not called");
  return call.args.account as NewAccount;
}

function sentUpdate(): { id: string; update: AccountUpdate } {
  const call = backend.called("update_account").at(-1);
  if (!call) throw new Error("update_account was not called");
  return call.args as { id: string; update: AccountUpdate };
}

async function openSettings(): Promise<void> {
  await startApp();
  await click("#open-settings");
}

async function startAdding(presetId: string): Promise<void> {
  await openSettings();
  await click("#add-account");
  await click(`[data-preset-id='${presetId}']`);
}

describe("adding an account from a preset", () => {
  beforeEach(() => {
    backend.accounts = [accountView({ id: "s1", label: "Starrise", preset: "starrise" })];
  });

  it("pre-fills the provider's address, first model and its protocol, with a unique label", async () => {
    await startAdding("starrise");
    expect(must<HTMLInputElement>("#account-label").value, "the preset's name, deduplicated").toBe("Starrise 2");
    expect(must<HTMLInputElement>("#account-base-url").value, "the preset's base URL").toBe(
      "https://ai.alad.com/v1",
    );
    expect(must<HTMLInputElement>("#account-model").value, "the preset's first model").toBe("gpt-5.1-codex-mini");
    expect(must<HTMLSelectElement>("#account-api").value, "that model's protocol at this provider").toBe("chat");
    expect(
      [...must<HTMLSelectElement>("#account-model-preset").options].map((o) => o.value),
      "the preset's models are offered, plus free text",
    ).toEqual(["gpt-5.1-codex-mini", "gpt-5.2", ""]);
    expect(must<HTMLInputElement>("#account-api-key").type, "the key is masked").toBe("password");
    expect(must("label[for='account-api-key']").textContent?.trim(), "Starrise needs a key").toBe("API key");

    choose("#account-model-preset", "gpt-5.2");
    expect(must<HTMLInputElement>("#account-model").value, "choosing a known model fills the field").toBe("gpt-5.2");
    expect(must<HTMLSelectElement>("#account-api").value, "gpt-5.2 needs Responses at Starrise").toBe("responses");
    expect($("#account-server-state"), "server state is offered for Responses").not.toBeNull();
  });

  it("sends the right NewAccount and never shows the key again", async () => {
    await startAdding("starrise");
    type("#account-base-url", "https://ai.alad.com/v1/");
    type("#account-api-key", "  sk-starrise-secret-9876 ");
    const keyField = must<HTMLInputElement>("#account-api-key");
    await click("#account-save");

    expect(sentAccount(), "the form's values, trimmed, with the preset id").toEqual({
      label: "Starrise 2",
      baseUrl: "https://ai.alad.com/v1/",
      apiKey: "sk-starrise-secret-9876",
      model: "gpt-5.1-codex-mini",
      api: "chat",
      serverState: false,
      preset: "starrise",
      allowHttp: false,
      headers: [],
      proxy: null,
      maxConcurrent: null,
      customModels: [],
    });
    expect(keyField.value, "the key field is cleared after saving").toBe("");
    expect(document.body.innerHTML, "the key is nowhere on the page").not.toContain("sk-starrise-secret");
    expect(row("acc-2").querySelector(".key-state")?.textContent, "only its last four characters").toBe("••••9876");
    expect(row("acc-2").querySelector(".account-preset")?.textContent, "the provider's name").toBe("Starrise");
  });

  it("asks for the key when the provider needs one, before calling the backend", async () => {
    await startAdding("starrise");
    await click("#account-save");
    expect(must("#account-error").textContent, "a plain sentence").toBe("Enter the API key your provider gave you.");
    expect(backend.called("add_account"), "nothing was sent").toHaveLength(0);
  });

  it("hides the key for a local server and sends none", async () => {
    await startAdding("ollama");
    expect($("#account-api-key"), "a local server needs no key").toBeNull();
    expect(must<HTMLInputElement>("#account-base-url").value).toBe("http://127.0.0.1:11434/v1");
    expect($("#account-http-warning"), "plain http to this machine is fine").toBeNull();
    type("#account-model", "llama3.2");
    await click("#account-save");
    expect([sentAccount().apiKey, sentAccount().preset], "an empty key for the Ollama preset").toEqual([
      "",
      "ollama",
    ]);
    expect(row("acc-2").querySelector(".key-state")?.textContent, "the list says so").toBe("no key");
  });

  it("lets the user add a key to a local server that wants one", async () => {
    await startAdding("ollama");
    await click("#account-show-key");
    type("#account-api-key", "local-key");
    type("#account-model", "llama3.2");
    await click("#account-save");
    expect(sentAccount().apiKey, "the key typed after all").toBe("local-key");
  });

  it("warns about plain http to another host and needs the explicit opt-in", async () => {
    await startAdding("custom");
    expect(must<HTMLInputElement>("#account-label").value, "Custom's label").toBe("Custom");
    type("#account-base-url", "http://10.0.0.5:8000/v1");
    type("#account-model", "qwen");
    expect(must("#account-http-warning").textContent, "the warning names the host").toContain("10.0.0.5");
    await click("#account-save");
    expect(must("#account-error").textContent, "saving is refused until allowed").toMatch(/Allow plain http/);
    expect(backend.called("add_account"), "nothing was sent").toHaveLength(0);

    must("#account-allow-http").click();
    await click("#account-save");
    expect(sentAccount().allowHttp, "the opt-in is stored with the account").toBe(true);
  });

  it("sends headers, proxy and concurrency limit, and checks them first", async () => {
    await startAdding("custom");
    type("#account-base-url", "https://llm.internal.example/v1");
    type("#account-model", "m");
    await click("#account-add-header");
    await click("#account-add-header");
    const names = $$(".header-name");
    const values = $$(".header-value");
    type(names[0]!, "Authorization");
    type(values[0]!, "Bearer x");
    await click("#account-save");
    expect(must("#account-error").textContent, "a header Switchboard sets itself").toMatch(
      /Authorization header is set by Switchboard/,
    );

    type(names[0]!, "X-Org-Id");
    type(values[0]!, "org-7");
    await click($$(".header-remove")[1]!);
    type("#account-proxy", "socks5h://me@proxy.local:1080");
    type("#account-proxy-password", "hunter22");
    type("#account-max-concurrent", "0");
    await click("#account-save");
    expect(must("#account-error").textContent, "the limit is explained").toMatch(
      /whole number from 1 to 64; leave it empty for no limit/,
    );
    type("#account-max-concurrent", "3");
    await click("#account-save");

    const sent = sentAccount();
    expect(
      [sent.headers, sent.proxy, sent.proxyPassword, sent.maxConcurrent],
      "the advanced settings go out as typed",
    ).toEqual([[["X-Org-Id", "org-7"]], "socks5h://me@proxy.local:1080", "hunter22", 3]);
    expect(document.body.innerHTML, "the proxy password is never shown").not.toContain("hunter22");
  });

  it("shows the backend's refusal inside the form", async () => {
    backend.failures.add_account = { code: "keyring", message: "The keyring is locked." };
    await startAdding("starrise");
    type("#account-api-key", "sk-whatever");
    await click("#account-save");
    expect(must("#account-error").textContent, "the backend's message").toBe("The keyring is locked.");
    expect(must<HTMLInputElement>("#account-label").value, "the form keeps its values").toBe("Starrise 2");
    expect(backend.called("keyring_status").length, "the keyring is checked again").toBeGreaterThan(1);
  });
});

describe("editing an account", () => {
  beforeEach(() => {
    backend.accounts = [
      accountView({
        id: "a1",
        label: "Work",
        baseUrl: "https://api.openai.com/v1",
        preset: "openai",
        headers: [["X-Org", "o1"]],
        proxy: "http://proxy.local:3128",
        hasProxyPassword: true,
        maxConcurrent: 2,
        customModels: [{ id: "ft:gpt-4o:acme", api: "chat", logical: null, name: "Fine-tuned" }],
        keyHint: "wxyz",
      }),
    ];
  });

  async function edit(): Promise<void> {
    await openSettings();
    await click(row("a1").querySelector<HTMLElement>(".edit-account")!);
  }

  it("fills the form from the account, with the key fields empty", async () => {
    await edit();
    expect(must<HTMLInputElement>("#account-label").value).toBe("Work");
    expect(must<HTMLInputElement>("#account-base-url").value).toBe("https://api.openai.com/v1");
    expect(must<HTMLInputElement>("#account-api-key").value, "keys are write-only").toBe("");
    expect(must("label[for='account-api-key']").textContent?.trim(), "a stored key can be replaced").toBe(
      "Replace key",
    );
    expect(must<HTMLInputElement>("#account-api-key").placeholder, "empty keeps the key").toMatch(/keep/);
    expect(must(".key-line .key-state").textContent, "the stored key's hint").toBe("••••wxyz");
    expect(must<HTMLInputElement>("#account-proxy").value).toBe("http://proxy.local:3128");
    expect(must<HTMLInputElement>("#account-max-concurrent").value).toBe("2");
    expect($$(".custom-model-id").map((i) => (i as HTMLInputElement).value)).toEqual(["ft:gpt-4o:acme"]);
  });

  it("sends the whole AccountUpdate and leaves out an empty key and proxy password", async () => {
    await edit();
    type("#account-label", "Work (team)");
    await click("#account-save");
    const { id, update } = sentUpdate();
    expect(id, "the edited account").toBe("a1");
    expect(update, "every setting, and no key or password fields").toEqual({
      label: "Work (team)",
      baseUrl: "https://api.openai.com/v1",
      model: "gpt-5.1",
      api: "chat",
      serverState: false,
      allowHttp: false,
      headers: [["X-Org", "o1"]],
      enabled: true,
      proxy: "http://proxy.local:3128",
      maxConcurrent: 2,
      customModels: [{ id: "ft:gpt-4o:acme", api: "chat", logical: null, name: "Fine-tuned" }],
    });
    expect("apiKey" in update, "an empty key keeps the stored one").toBe(false);
    expect(must("#settings-status").textContent, "back on the list, with a confirmation").toContain(
      "Work (team)",
    );
  });

  it("sends a replacement key when one is typed, then clears it", async () => {
    await edit();
    type("#account-api-key", "sk-new-key-5555");
    await click("#account-save");
    expect(sentUpdate().update.apiKey, "the new key").toBe("sk-new-key-5555");
    expect(document.body.innerHTML, "and it is not shown").not.toContain("sk-new-key");
  });

  it("says the key must be entered again when the base URL moves to another origin", async () => {
    await edit();
    type("#account-base-url", "https://api.openai.com/v2");
    expect($("#account-origin-notice"), "same origin, other path: the key still applies").toBeNull();
    type("#account-base-url", "https://gateway.example.com/v1");
    expect(must("#account-origin-notice").textContent, "the notice names both origins").toMatch(
      /https:\/\/api\.openai\.com.*https:\/\/gateway\.example\.com/s,
    );
    await click("#account-save");
    expect(must("#account-error").textContent, "saving without the key is refused").toMatch(/enter the key again/);
    expect(backend.called("update_account"), "nothing was sent").toHaveLength(0);

    type("#account-api-key", "sk-gateway");
    await click("#account-save");
    expect(
      [sentUpdate().update.baseUrl, sentUpdate().update.apiKey],
      "the new address with its key",
    ).toEqual(["https://gateway.example.com/v1", "sk-gateway"]);
  });

  it("deletes the key only after a confirmation", async () => {
    await edit();
    await click("#account-delete-key");
    expect(backend.called("delete_key"), "the first click only asks").toHaveLength(0);
    await click("#account-delete-key-confirm");
    expect(backend.called("delete_key").map((c) => c.args), "then the key is deleted").toEqual([{ id: "a1" }]);
    expect(must(".key-line .key-state").textContent, "the form shows the account has none").toBe("no key");
    expect(must("label[for='account-api-key']").textContent?.trim(), "a new key can be entered").toBe("API key");
  });

  it("adds and removes models by hand", async () => {
    await edit();
    await click("#account-add-model");
    const rows = $$(".custom-model");
    expect(rows, "a new row after the existing model").toHaveLength(2);
    type(rows[1]!.querySelector<HTMLElement>(".custom-model-id")!, "openai/gpt-5-1");
    choose(rows[1]!.querySelector<HTMLElement>(".custom-model-api")!, "responses");
    type(rows[1]!.querySelector<HTMLElement>(".custom-model-logical")!, "gpt-5.1");
    await click(rows[0]!.querySelector<HTMLElement>(".custom-model-remove")!);
    await click("#account-save");
    expect(sentUpdate().update.customModels, "the first removed, the new one with its group key").toEqual([
      { id: "openai/gpt-5-1", api: "responses", logical: "gpt-5.1", name: null },
    ]);
  });

  it("turns an account off from the list, keeping its other settings", async () => {
    await openSettings();
    const toggle = row("a1").querySelector<HTMLInputElement>(".account-enabled")!;
    expect(toggle.checked, "enabled at first").toBe(true);
    await click(toggle);
    const { update } = sentUpdate();
    expect([update.enabled, update.label, update.proxy], "only enabled changes").toEqual([
      false,
      "Work",
      "http://proxy.local:3128",
    ]);
    expect("apiKey" in update, "no key is sent").toBe(false);
    expect(row("a1").querySelector(".health-badge")?.textContent?.trim(), "the new health").toBe("disabled");
  });
});

describe("the account list", () => {
  it("shows key state and health for each account", async () => {
    backend.accounts = [
      accountView({ id: "ok", keyHint: "1234" }),
      accountView({ id: "nokey", hasKey: false, keyHint: null, health: { state: "no_key", detail: null, retryInSecs: null } }),
      accountView({
        id: "moved",
        keyProblem: "The key was entered for https://old.example; enter it again.",
        health: { state: "cooling", detail: "rate-limited", retryInSecs: 42 },
      }),
      accountView({ id: "bad", health: { state: "attention", detail: "The key was rejected (401).", retryInSecs: null } }),
    ];
    await openSettings();
    const key = (id: string) => row(id).querySelector(".key-state")?.textContent;
    const health = (id: string) => row(id).querySelector(".health-badge")?.textContent?.trim();
    expect(key("ok"), "a stored key").toBe("••••1234");
    expect(key("nokey"), "no key").toBe("no key");
    expect(key("moved"), "the key problem, in the backend's words").toBe(
      "The key was entered for https://old.example; enter it again.",
    );
    expect(health("ok")).toBe("ok");
    expect(health("nokey")).toBe("no key");
    expect(health("moved"), "how long the cooldown lasts").toBe("cooling down 42 s");
    expect(health("bad")).toBe("needs attention");
    expect(row("bad").querySelector(".health-detail")?.textContent, "and why").toBe("The key was rejected (401).");
  });

  it("tests the connection and shows the verdict, the models and where each comes from", async () => {
    backend.accounts = [accountView({ id: "a1", label: "Work" })];
    backend.reports.a1 = {
      verdict: "ok",
      message: "The key works; the provider lists 2 models.",
      models: [
        { id: "gpt-5.1", name: "GPT-5.1", logical: "gpt-5.1", api: "chat", capabilities: { reasoning: true, vision: null, tools: null, jsonMode: null }, source: "preset", listed: true },
        { id: "gpt-4o-mini", name: "gpt-4o-mini", logical: null, api: "chat", capabilities: { reasoning: null, vision: null, tools: null, jsonMode: null }, source: "discovered", listed: true },
        { id: "ft:mine", name: "ft:mine", logical: null, api: "chat", capabilities: { reasoning: null, vision: null, tools: null, jsonMode: null }, source: "manual", listed: false },
      ],
    };
    await openSettings();
    const modelsBefore = backend.called("list_models").length;
    await click(row("a1").querySelector<HTMLElement>(".test-account")!);

    expect(backend.called("test_account").map((c) => c.args), "the account is tested").toEqual([{ id: "a1" }]);
    const result = must(".test-result", row("a1"));
    expect(result.dataset.verdict).toBe("ok");
    expect(result.querySelector(".test-verdict")?.textContent, "the verdict").toBe("Connected");
    expect(result.querySelector(".test-message")?.textContent, "the backend's sentence").toBe(
      "The key works; the provider lists 2 models.",
    );
    const models = [...result.querySelectorAll<HTMLElement>(".test-model")].map((m) => [
      m.dataset.modelId,
      m.querySelector(".model-source")?.textContent,
      m.querySelector(".model-listed")?.textContent?.trim(),
    ]);
    expect(models, "each model with its source and whether it was listed").toEqual([
      ["gpt-5.1", "preset", "listed"],
      ["gpt-4o-mini", "discovered", "listed"],
      ["ft:mine", "added by hand", "not listed"],
    ]);
    expect(backend.called("list_models").length, "the picker's models are refreshed").toBeGreaterThan(modelsBefore);
  });

  it("shows a failed verdict as such", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    backend.reports.a1 = { verdict: "key_rejected", message: "api.example.com rejected the key (401).", models: [] };
    await openSettings();
    await click(row("a1").querySelector<HTMLElement>(".test-account")!);
    const result = must(".test-result", row("a1"));
    expect([result.dataset.verdict, result.querySelector(".test-verdict")?.textContent]).toEqual([
      "key_rejected",
      "Key rejected",
    ]);
    expect(result.textContent, "the provider's words").toContain("rejected the key (401)");
  });

  it("removes an account only after a confirmation", async () => {
    backend.accounts = [accountView({ id: "a1", label: "Work" }), accountView({ id: "a2", label: "Home" })];
    await openSettings();
    await click(row("a1").querySelector<HTMLElement>(".remove-account")!);
    expect(backend.called("remove_account"), "the first click only asks").toHaveLength(0);
    const confirm = must(".remove-account-confirm", row("a1"));
    expect(row("a1").textContent, "the question names the account").toContain("Remove Work?");
    await click(must(".remove-account-cancel", row("a1")));
    expect($(".remove-account-confirm"), "Cancel takes the question away").toBeNull();
    expect(confirm.isConnected, "the old button is gone").toBe(false);

    await click(row("a1").querySelector<HTMLElement>(".remove-account")!);
    await click(must(".remove-account-confirm", row("a1")));
    expect(backend.called("remove_account").map((c) => c.args), "removed after confirming").toEqual([{ id: "a1" }]);
    expect($$(".account-row").map((r) => r.dataset.accountId), "the row is gone").toEqual(["a2"]);
  });
});

describe("priority order", () => {
  it("moves an account up or down, saving the whole order, and keeps the ends still", async () => {
    backend.accounts = [
      accountView({ id: "a1", label: "First" }),
      accountView({ id: "a2", label: "Second" }),
      accountView({ id: "a3", label: "Third" }),
    ];
    await openSettings();
    expect(must<HTMLButtonElement>(".move-up", row("a1")).disabled, "the first cannot go up").toBe(true);
    expect(must<HTMLButtonElement>(".move-down", row("a3")).disabled, "the last cannot go down").toBe(true);

    await click(must(".move-up", row("a3")));
    expect(backend.called("reorder_accounts").map((c) => c.args), "the whole new order is sent").toEqual([
      { ids: ["a1", "a3", "a2"] },
    ]);
    expect($$(".account-row").map((r) => r.dataset.accountId), "the list shows it").toEqual(["a1", "a3", "a2"]);

    await click(must(".move-down", row("a1")));
    expect($$(".account-row").map((r) => r.dataset.accountId)).toEqual(["a3", "a1", "a2"]);
  });

  it("shows the backend's refusal on the row and keeps the old order", async () => {
    backend.accounts = [accountView({ id: "a1", label: "First" }), accountView({ id: "a2", label: "Second" })];
    backend.failures.reorder_accounts = { code: "invalid_input", message: "The account list changed meanwhile." };
    await openSettings();
    await click(must(".move-down", row("a1")));
    expect(must(".row-error", row("a1")).textContent).toContain("changed meanwhile");
    expect($$(".account-row").map((r) => r.dataset.accountId)).toEqual(["a1", "a2"]);
  });

  it("offers no order buttons for a single account", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    await openSettings();
    expect($(".move-up")).toBeNull();
  });
});

describe("keyring banner", () => {
  const message = "No Secret Service is running. Install gnome-keyring or KWallet and log in again.";

  it("says plainly that the keyring is unavailable, in the chat and in settings", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    backend.keyring = { available: false, message };
    await startApp();
    expect(must("#keyring-banner").textContent, "the backend's explanation").toContain(message);
    await click("#open-settings");
    expect(must("#keyring-banner").textContent, "still at the top of settings").toContain(message);
  });

  it("is absent while the keyring works", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    await startApp();
    expect(backend.called("keyring_status"), "the keyring is checked at start").toHaveLength(1);
    expect($("#keyring-banner"), "no banner").toBeNull();
  });
});

describe("appearance and language", () => {
  const root = document.documentElement;

  function options(selector: string): [string, string][] {
    return [...must<HTMLSelectElement>(selector).options].map((o) => [o.value, o.textContent?.trim() ?? ""]);
  }

  it("shows the theme, font size and language as they are", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    await openSettings();
    expect(must<HTMLSelectElement>("#settings-theme").value, "the system's theme by default").toBe("system");
    expect(options("#settings-theme").map(([value]) => value)).toEqual(["system", "light", "dark"]);
    expect(must<HTMLSelectElement>("#settings-font-size").value, "the usual size by default").toBe("medium");
    expect(options("#settings-font-size").map(([value]) => value)).toEqual(["small", "medium", "large"]);
    expect(must<HTMLSelectElement>("#settings-language").value, "jsdom's navigator.language is en-US").toBe("en");
    expect(options("#settings-language"), "each language in its own words").toEqual([
      ["en", "English"],
      ["zh-CN", "简体中文"],
    ]);
  });

  it("applies a theme and a font size at once", async () => {
    backend.accounts = [accountView({ id: "a1" })];
    await openSettings();
    choose("#settings-theme", "dark");
    expect(root.dataset.theme, "forced dark").toBe("dark");
    choose("#settings-font-size", "large");
    expect(root.style.fontSize, "rem sizes scale from the root").toBe("120%");
    choose("#settings-theme", "system");
    expect(root.hasAttribute("data-theme"), "the system decides again").toBe(false);
  });

  it("offers the language on the first run, before any account", async () => {
    await startApp();
    expect($("#preset-title"), "the first run adds an account").not.toBeNull();
    choose("#welcome-language", "zh-CN");
    expect(must("#welcome-title").textContent, "the welcome is in Chinese at once").toBe("欢迎使用 Switchboard");
    expect(must("#preset-title").textContent, "the provider step too").toBe("添加第一个账户");
    choose("#welcome-language", "en");
  });
});

describe("network, data and routing", () => {
  beforeEach(() => {
    backend.accounts = [accountView({ id: "a1", label: "Work" })];
    backend.groups = [group("gpt-5.1", [route({ accountId: "a1", accountLabel: "Work", modelId: "gpt-5.1" })])];
  });

  it("saves a default proxy, shows Rust's reason for a bad one, and clears it", async () => {
    await openSettings();
    const field = must<HTMLInputElement>("#settings-default-proxy");
    expect(field.value, "none set: the system's settings").toBe("");
    expect(must<HTMLButtonElement>("#save-default-proxy").disabled, "nothing to save yet").toBe(true);

    type(field, "proxy.example:3128");
    await click("#save-default-proxy");
    expect(must("#network-status").getAttribute("role"), "errors are announced").toBe("alert");
    expect(must("#network-status").textContent).toContain("is not a proxy address");
    expect(backend.appSettings.defaultProxy, "nothing changed").toBeNull();

    type(field, "  socks5h://127.0.0.1:1080 ");
    await click("#save-default-proxy");
    expect(backend.called("set_default_proxy").at(-1)?.args.proxy, "sent trimmed").toBe("socks5h://127.0.0.1:1080");
    expect(must("#network-status").textContent).toContain("now connect through socks5h://127.0.0.1:1080");

    type(field, "");
    await click("#save-default-proxy");
    expect(backend.called("set_default_proxy").at(-1)?.args.proxy, "blank clears it").toBeNull();
    expect(must("#network-status").textContent).toContain("system's proxy settings");
  });

  it("shows where the data is kept and opens that folder", async () => {
    backend.appSettings.dataDir = "/home/ada/.local/share/switchboard";
    await openSettings();
    expect(must("#data-dir").textContent).toBe("/home/ada/.local/share/switchboard");
    await click("#open-data-dir");
    expect(backend.called("open_data_dir")).toHaveLength(1);
    backend.failures.open_data_dir = { code: "internal", message: "No file manager. It is /home/ada." };
    await click("#open-data-dir");
    expect(must("section[aria-labelledby='network-title'] .status").textContent).toContain("No file manager");
  });

  it("routes new chats by the default strategy chosen here", async () => {
    await openSettings();
    choose("#settings-strategy", "round_robin");
    expect(must(".strategy-hint").textContent?.trim(), "the choice is explained").not.toBe("");
    await click("#close-settings");
    expect(must<HTMLSelectElement>("#route-strategy").value, "the chat on screen follows while empty").toBe(
      "round_robin",
    );
    choose("#route-strategy", "priority");
    await click("#new-chat");
    expect(must<HTMLSelectElement>("#route-strategy").value, "a new chat starts from the default").toBe(
      "round_robin",
    );
  });
});
