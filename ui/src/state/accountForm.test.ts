import { describe, expect, it } from "vitest";
import { PRESETS, accountView } from "../test-support/fixtures";
import {
  type AccountFormValues,
  dedupeLabel,
  emptyForm,
  formFromAccount,
  formFromPreset,
  isLoopbackHost,
  keyMustBeReentered,
  parseConcurrency,
  plainHttpHost,
  toAccountUpdate,
  toNewAccount,
  validateAccountForm,
} from "./accountForm";

const ADD = { mode: "add", keyRequired: true } as const;

function form(patch: Partial<AccountFormValues>): AccountFormValues {
  return {
    ...emptyForm(),
    label: "Work",
    baseUrl: "https://api.openai.com/v1",
    apiKey: "sk-test",
    model: "gpt-5.1",
    ...patch,
  };
}

describe("dedupeLabel", () => {
  it("numbers a label that is taken, ignoring case", () => {
    expect(dedupeLabel("Starrise", []), "free: as is").toBe("Starrise");
    expect(dedupeLabel("Starrise", ["starrise"]), "taken: the second one").toBe("Starrise 2");
    expect(dedupeLabel("Starrise", ["Starrise", "Starrise 2"]), "the next free number").toBe("Starrise 3");
  });
});

describe("formFromPreset and formFromAccount", () => {
  it("takes the preset's URL, first model and that model's protocol", () => {
    const values = formFromPreset(PRESETS[0]!, ["Starrise"]);
    expect([values.preset, values.label, values.baseUrl, values.model, values.api]).toEqual([
      "starrise",
      "Starrise 2",
      "https://ai.alad.com/v1",
      "gpt-5.1-codex-mini",
      "chat",
    ]);
    expect(formFromPreset(PRESETS[2]!, []).model, "Custom knows no model").toBe("");
  });

  it("fills the edit form from an account, never with a key", () => {
    const values = formFromAccount(
      accountView({ id: "a", headers: [["X-A", "1"]], maxConcurrent: 4, proxy: "http://p:1", hasProxyPassword: true }),
    );
    expect([values.apiKey, values.proxyPassword], "write-only fields start empty").toEqual(["", ""]);
    expect([values.headers, values.maxConcurrent, values.proxy]).toEqual([[{ name: "X-A", value: "1" }], "4", "http://p:1"]);
  });
});

describe("plain http", () => {
  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.3.2.1", true],
    ["[::1]", true],
    ["10.0.0.5", false],
    ["127.example.com", false],
  ])("treats %s as loopback: %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it("names the host only for http to another machine", () => {
    expect(plainHttpHost("http://10.0.0.5:8000/v1")).toBe("10.0.0.5");
    expect(plainHttpHost("http://localhost:11434/v1"), "loopback is fine").toBeNull();
    expect(plainHttpHost("https://example.com"), "https is fine").toBeNull();
  });
});

describe("validateAccountForm", () => {
  it("accepts a complete account", () => {
    expect(validateAccountForm(form({}), ADD)).toBeNull();
    expect(
      validateAccountForm(form({ baseUrl: "http://127.0.0.1:11434/v1", apiKey: "" }), { mode: "add", keyRequired: false }),
      "a local server without key",
    ).toBeNull();
  });

  it.each([
    [{ label: "  " }, /label/],
    [{ baseUrl: "" }, /base URL/],
    [{ baseUrl: "api.openai.com/v1" }, /not a valid URL/],
    [{ baseUrl: "ftp://example.com" }, /https:\/\/ or http:\/\//],
    [{ baseUrl: "https://x.example/v1?x=1" }, /query or #fragment/],
    [{ baseUrl: "http://10.0.0.5/v1" }, /unencrypted to 10\.0\.0\.5/],
    [{ apiKey: "" }, /API key/],
    [{ apiKey: "sk one" }, /spaces or line breaks/],
    [{ model: " " }, /model/],
    [{ api: "graphql" as never }, /protocol/],
    [{ headers: [{ name: "X Bad", value: "1" }] }, /not a valid header name/],
    [{ headers: [{ name: "cookie", value: "1" }] }, /set by Switchboard/],
    [{ headers: [{ name: "X-A", value: "a\nb" }] }, /line breaks/],
    [{ headers: [{ name: "X-A", value: "1" }, { name: "x-a", value: "2" }] }, /listed twice/],
    [{ headers: [{ name: "", value: "orphan" }] }, /a name/],
    [{ proxy: "ftp://p" }, /socks5/],
    [{ proxy: "http://u:pw@p:1" }, /proxy password field/],
    [{ proxyPassword: "pw" }, /proxy URL too/],
    [{ maxConcurrent: "0" }, /concurrency limit/],
    [{ maxConcurrent: "1.5" }, /concurrency limit/],
    [{ maxConcurrent: "65" }, /concurrency limit/],
    [{ customModels: [{ id: "", api: "chat", logical: "x", name: "" }] }, /model ID/],
    [{ customModels: [{ id: "a b", api: "chat", logical: "", name: "" }] }, /no spaces/],
    [
      {
        customModels: [
          { id: "m", api: "chat", logical: "", name: "" },
          { id: "m", api: "responses", logical: "", name: "" },
        ],
      },
      /listed twice/,
    ],
  ] as const)("rejects %o", (patch, pattern) => {
    expect(validateAccountForm(form(patch as Partial<AccountFormValues>), ADD)).toMatch(pattern);
  });

  it("lets http to another host through once allowed", () => {
    expect(validateAccountForm(form({ baseUrl: "http://10.0.0.5/v1", allowHttp: true }), ADD)).toBeNull();
  });

  it("needs the key again when an edit moves the base URL to another origin", () => {
    const account = accountView({ id: "a", baseUrl: "https://api.openai.com/v1", hasKey: true });
    const moved = form({ apiKey: "", baseUrl: "https://gw.example.com/v1" });
    expect(keyMustBeReentered(moved, account), "another origin").toBe(true);
    expect(keyMustBeReentered(form({ baseUrl: "https://api.openai.com/v2" }), account), "same origin").toBe(false);
    expect(keyMustBeReentered(moved, { ...account, hasKey: false }), "no key to protect").toBe(false);
    expect(validateAccountForm(moved, { mode: "edit", keyRequired: false, account })).toMatch(/enter the key again/);
    expect(validateAccountForm({ ...moved, apiKey: "sk-2" }, { mode: "edit", keyRequired: false, account })).toBeNull();
    expect(
      validateAccountForm(form({ apiKey: "" }), { mode: "edit", keyRequired: true, account }),
      "an empty key keeps the stored one",
    ).toBeNull();
  });
});

describe("toNewAccount and toAccountUpdate", () => {
  it("trims, drops blank rows and keeps server state only for Responses", () => {
    const values = form({
      label: " Work ",
      apiKey: " sk-1 ",
      api: "chat",
      serverState: true,
      headers: [{ name: " X-A ", value: " 1 " }, { name: "", value: "" }],
      customModels: [{ id: " m ", api: "responses", logical: " ", name: "" }, { id: "", api: "chat", logical: "", name: "" }],
      maxConcurrent: " 2 ",
    });
    expect(toNewAccount(values)).toEqual({
      label: "Work",
      baseUrl: "https://api.openai.com/v1",
      apiKey: "sk-1",
      model: "gpt-5.1",
      api: "chat",
      serverState: false,
      preset: "custom",
      allowHttp: false,
      headers: [["X-A", "1"]],
      proxy: null,
      maxConcurrent: 2,
      customModels: [{ id: "m", api: "responses", logical: null, name: null }],
    });
  });

  it("sends the proxy password only with a proxy, and never a stale http opt-in", () => {
    expect(toNewAccount(form({ proxyPassword: "pw" })).proxyPassword, "no proxy: no password").toBeUndefined();
    expect(toNewAccount(form({ proxy: "http://p:1", proxyPassword: "pw" })).proxyPassword).toBe("pw");
    expect(toNewAccount(form({ allowHttp: true })).allowHttp, "https needs no opt-in").toBe(false);
  });

  it("omits an empty key and proxy password from an update", () => {
    const update = toAccountUpdate(form({ apiKey: "  ", proxy: "http://p:1", proxyPassword: "" }));
    expect("apiKey" in update, "empty: keep the stored key").toBe(false);
    expect("proxyPassword" in update, "empty: keep the stored password").toBe(false);
    expect(toAccountUpdate(form({ apiKey: "sk-new" })).apiKey, "a typed key replaces it").toBe("sk-new");
  });
});

describe("parseConcurrency", () => {
  it("reads empty as no limit and refuses what is not a whole number in range", () => {
    expect([parseConcurrency(""), parseConcurrency("1"), parseConcurrency("64")]).toEqual([null, 1, 64]);
    expect([parseConcurrency("0"), parseConcurrency("-1"), parseConcurrency("2.0"), parseConcurrency("x")]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
