// The account form as plain data: what a preset or a stored account pre-fills, the checks
// made before anything is sent, and the NewAccount / AccountUpdate built from it. No DOM, no
// IPC, so every rule here is tested on its own. The backend checks everything again; these
// checks only save a round trip and say the problem next to the field.
import { t } from "../i18n/locale.svelte";
import type {
  AccountUpdate,
  AccountView,
  Api,
  CustomModel,
  NewAccount,
  PresetView,
} from "../ipc/types";

/** The protocols an account can speak, as offered in the form. */
export const API_OPTIONS: readonly { value: Api; label: string }[] = [
  { value: "chat", label: "Chat Completions (/chat/completions)" },
  { value: "responses", label: "Responses (/responses)" },
];

/** Short protocol names for badges. */
export const API_SHORT: Record<Api, string> = { chat: "Chat", responses: "Responses" };

export interface HeaderRow {
  name: string;
  value: string;
}

/** A model added by hand, as typed (empty text = not set). */
export interface ModelRow {
  id: string;
  api: Api;
  logical: string;
  name: string;
}

export interface AccountFormValues {
  preset: string;
  label: string;
  baseUrl: string;
  /** Write-only: never filled from the backend. */
  apiKey: string;
  model: string;
  api: Api;
  serverState: boolean;
  allowHttp: boolean;
  headers: HeaderRow[];
  proxy: string;
  /** Write-only, like the key. */
  proxyPassword: string;
  /** Text of the concurrency field; empty means no limit. */
  maxConcurrent: string;
  enabled: boolean;
  customModels: ModelRow[];
}

/** What the checks need to know besides the values. */
export interface FormContext {
  mode: "add" | "edit";
  /** The preset asks for a key (Custom and local servers do not). */
  keyRequired: boolean;
  /** Edit: the account as stored. */
  account?: AccountView | null;
}

/** Same limits as the backend (sb-core account.rs). */
export const MAX_HEADERS = 20;
export const MAX_CUSTOM_MODELS = 200;
export const MAX_CONCURRENCY = 64;

/** Headers Switchboard sets itself or that would carry a second credential. */
const RESERVED_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "accept",
  "cookie",
]);

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const PROXY_SCHEMES = new Set(["http:", "https:", "socks5:", "socks5h:"]);
// Any control character, line breaks included.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** `name`, or `name 2`, `name 3`, … when an account already has that label. */
export function dedupeLabel(name: string, taken: readonly string[]): string {
  const used = new Set(taken.map((l) => l.trim().toLowerCase()));
  if (!used.has(name.trim().toLowerCase())) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} ${n}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}

export function emptyForm(): AccountFormValues {
  return {
    preset: "custom",
    label: "",
    baseUrl: "",
    apiKey: "",
    model: "",
    api: "chat",
    serverState: false,
    allowHttp: false,
    headers: [],
    proxy: "",
    proxyPassword: "",
    maxConcurrent: "",
    enabled: true,
    customModels: [],
  };
}

/** A new account's form for a provider: its URL, its first model and that model's protocol. */
export function formFromPreset(preset: PresetView, takenLabels: readonly string[]): AccountFormValues {
  const first = preset.models[0];
  return {
    ...emptyForm(),
    preset: preset.id,
    label: dedupeLabel(preset.name, takenLabels),
    baseUrl: preset.baseUrl ?? "",
    model: first?.id ?? "",
    api: first?.api ?? "chat",
  };
}

/** The edit form for a stored account; the key fields start empty (keys are write-only). */
export function formFromAccount(account: AccountView): AccountFormValues {
  return {
    preset: account.preset,
    label: account.label,
    baseUrl: account.baseUrl,
    apiKey: "",
    model: account.model,
    api: account.api,
    serverState: account.serverState,
    allowHttp: account.allowHttp,
    headers: account.headers.map(([name, value]) => ({ name, value })),
    proxy: account.proxy ?? "",
    proxyPassword: "",
    maxConcurrent: account.maxConcurrent === null ? "" : String(account.maxConcurrent),
    enabled: account.enabled,
    customModels: account.customModels.map((m) => ({
      id: m.id,
      api: m.api,
      logical: m.logical ?? "",
      name: m.name ?? "",
    })),
  };
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw.trim());
  } catch {
    return null;
  }
}

/** Host (and port) of a base URL for compact display; the raw text if it doesn't parse. */
export function hostOf(baseUrl: string): string {
  return parseUrl(baseUrl)?.host || baseUrl;
}

/** `scheme://host[:port]` of a URL, or null when it does not parse. */
export function originOf(raw: string): string | null {
  const url = parseUrl(raw);
  if (!url || url.host === "") return null;
  return `${url.protocol}//${url.host}`;
}

/** localhost, 127.0.0.0/8 or ::1: the key never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host a plain-http base URL would send the key to unencrypted; null when that is not the case. */
export function plainHttpHost(baseUrl: string): string | null {
  const url = parseUrl(baseUrl);
  if (!url || url.protocol !== "http:" || url.hostname === "") return null;
  return isLoopbackHost(url.hostname) ? null : url.hostname;
}

/**
 * Edit: the base URL now points to another origin than the stored key was entered for. The
 * backend only sends a key to the origin it was entered for, so it must be entered again.
 */
export function keyMustBeReentered(values: AccountFormValues, account: AccountView | null | undefined): boolean {
  if (!account?.hasKey) return false;
  const before = originOf(account.baseUrl);
  const after = originOf(values.baseUrl);
  return before !== null && after !== null && before !== after;
}

/** Edit: the proxy moved while a proxy password is stored, so it must be entered again. */
export function proxyPasswordMustBeReentered(
  values: AccountFormValues,
  account: AccountView | null | undefined,
): boolean {
  if (!account?.hasProxyPassword || values.proxy.trim() === "") return false;
  return originOf(account.proxy ?? "") !== originOf(values.proxy);
}

/** The concurrency limit as a number, null for "no limit", undefined when the text is off. */
export function parseConcurrency(raw: string): number | null | undefined {
  const text = raw.trim();
  if (text === "") return null;
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_CONCURRENCY ? n : undefined;
}

function isBlankHeader(row: HeaderRow): boolean {
  return row.name.trim() === "" && row.value.trim() === "";
}

function isBlankModel(row: ModelRow): boolean {
  return row.id.trim() === "" && row.logical.trim() === "" && row.name.trim() === "";
}

function checkBaseUrl(values: AccountFormValues): string | null {
  const raw = values.baseUrl.trim();
  if (raw === "") return t("Enter the API base URL (for example https://api.openai.com/v1).");
  const url = parseUrl(raw);
  if (!url) return t("The base URL is not a valid URL; write it like https://api.openai.com/v1.");
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return t("The base URL must start with https:// or http://.");
  }
  if (url.hostname === "") return t("The base URL must name a host.");
  if (url.search !== "" || url.hash !== "") {
    return t(
      "Remove the ?query or #fragment from the base URL; Switchboard adds paths such as /chat/completions itself.",
    );
  }
  const host = plainHttpHost(raw);
  if (host !== null && !values.allowHttp) {
    return t(
      `Plain http:// would send your key unencrypted to {host}. Use https://, or tick "Allow plain http" if you trust the network to that host.`,
      { host },
    );
  }
  return null;
}

function checkKey(values: AccountFormValues, context: FormContext): string | null {
  const key = values.apiKey.trim();
  if (key !== "" && /\s/.test(key)) {
    return t("The API key contains spaces or line breaks; paste the key alone.");
  }
  if (context.mode === "add") {
    if (context.keyRequired && key === "") return t("Enter the API key your provider gave you.");
    return null;
  }
  if (key === "" && keyMustBeReentered(values, context.account)) {
    return t(
      "The base URL now points to {after}. The stored key was entered for {before} and is only sent there: enter the key again, or delete it first.",
      { after: originOf(values.baseUrl) ?? "", before: originOf(context.account?.baseUrl ?? "") ?? "" },
    );
  }
  return null;
}

function checkHeaders(values: AccountFormValues): string | null {
  const rows = values.headers.filter((row) => !isBlankHeader(row));
  if (rows.length > MAX_HEADERS) return t("At most {max} custom headers per account.", { max: MAX_HEADERS });
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (name === "") return t(`Give the header with the value "{value}" a name.`, { value: row.value.trim() });
    if (!HEADER_NAME.test(name)) {
      return t(`"{name}" is not a valid header name (letters, digits and - only, like X-Org-Id).`, { name });
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      return t("The {name} header is set by Switchboard itself; the key goes in the API key field.", { name });
    }
    if (seen.has(name.toLowerCase())) return t("The {name} header is listed twice.", { name });
    seen.add(name.toLowerCase());
    if (CONTROL.test(row.value)) {
      return t("The value of the {name} header contains line breaks or control characters.", { name });
    }
  }
  return null;
}

function checkProxy(values: AccountFormValues, context: FormContext): string | null {
  const raw = values.proxy.trim();
  if (raw === "") {
    if (values.proxyPassword !== "") return t("Enter the proxy URL too, or clear the proxy password.");
    return null;
  }
  const url = parseUrl(raw);
  if (!url || !PROXY_SCHEMES.has(url.protocol) || url.hostname === "") {
    return t("The proxy must be a URL starting with http://, https://, socks5:// or socks5h:// and naming a host.");
  }
  if (url.password !== "") {
    return t("Put the proxy password in the proxy password field, not in the URL (it is kept in the keyring).");
  }
  if (values.proxyPassword === "" && proxyPasswordMustBeReentered(values, context.account)) {
    return t("The proxy changed: enter the proxy password again (it is only sent to the proxy it was entered for).");
  }
  return null;
}

function checkModels(values: AccountFormValues): string | null {
  const rows = values.customModels.filter((row) => !isBlankModel(row));
  if (rows.length > MAX_CUSTOM_MODELS) {
    return t("At most {max} models added by hand per account.", { max: MAX_CUSTOM_MODELS });
  }
  const seen = new Set<string>();
  for (const row of rows) {
    const id = row.id.trim();
    if (id === "") return t("Every model you add needs the provider's model ID.");
    if (/\s/.test(id)) return t(`"{id}" is not a model ID: the provider's ID has no spaces (e.g. gpt-4o).`, { id });
    if (/\s/.test(row.logical.trim())) {
      return t(`The group key "{key}" has spaces; use a model key such as gpt-5.1.`, { key: row.logical.trim() });
    }
    if (seen.has(id)) return t("The model {id} is listed twice.", { id });
    seen.add(id);
  }
  return null;
}

/** The first problem with the form, as a sentence, or null when it can be sent. */
export function validateAccountForm(values: AccountFormValues, context: FormContext): string | null {
  if (values.label.trim() === "") return t("Give the account a label.");
  return (
    checkBaseUrl(values) ??
    checkKey(values, context) ??
    (values.model.trim() === "" ? t("Enter the model to use by default (the provider's model ID).") : null) ??
    (API_OPTIONS.some((o) => o.value === values.api) ? null : t("Choose a protocol.")) ??
    checkHeaders(values) ??
    checkProxy(values, context) ??
    (parseConcurrency(values.maxConcurrent) === undefined
      ? t("The concurrency limit must be a whole number from 1 to {max}; leave it empty for no limit.", {
          max: MAX_CONCURRENCY,
        })
      : null) ??
    checkModels(values)
  );
}

function headersOf(values: AccountFormValues): [string, string][] {
  return values.headers
    .filter((row) => !isBlankHeader(row))
    .map((row) => [row.name.trim(), row.value.trim()]);
}

function modelsOf(values: AccountFormValues): CustomModel[] {
  return values.customModels
    .filter((row) => !isBlankModel(row))
    .map((row) => ({
      id: row.id.trim(),
      api: row.api,
      logical: row.logical.trim() === "" ? null : row.logical.trim(),
      name: row.name.trim() === "" ? null : row.name.trim(),
    }));
}

/** The settings both NewAccount and AccountUpdate carry, trimmed. */
function common(values: AccountFormValues) {
  const proxy = values.proxy.trim();
  return {
    label: values.label.trim(),
    baseUrl: values.baseUrl.trim(),
    model: values.model.trim(),
    api: values.api,
    // Server-side conversation state exists only in the Responses API.
    serverState: values.api === "responses" && values.serverState,
    // Only meaningful for plain http to another machine; never store a stale opt-in.
    allowHttp: values.allowHttp && plainHttpHost(values.baseUrl) !== null,
    headers: headersOf(values),
    proxy: proxy === "" ? null : proxy,
    maxConcurrent: parseConcurrency(values.maxConcurrent) ?? null,
    customModels: modelsOf(values),
  };
}

/** What the add form sends. The key goes as typed, minus surrounding spaces. */
export function toNewAccount(values: AccountFormValues): NewAccount {
  const settings = common(values);
  const proxyPassword = settings.proxy === null ? "" : values.proxyPassword;
  return {
    ...settings,
    apiKey: values.apiKey.trim(),
    preset: values.preset,
    ...(proxyPassword === "" ? {} : { proxyPassword }),
  };
}

/** What the edit form sends: the whole form; a key or proxy password only when one was typed. */
export function toAccountUpdate(values: AccountFormValues): AccountUpdate {
  const settings = common(values);
  const apiKey = values.apiKey.trim();
  const proxyPassword = settings.proxy === null ? "" : values.proxyPassword;
  return {
    ...settings,
    enabled: values.enabled,
    ...(apiKey === "" ? {} : { apiKey }),
    ...(proxyPassword === "" ? {} : { proxyPassword }),
  };
}

/** An AccountUpdate that keeps everything as stored except `patch` (e.g. the enabled toggle). */
export function updateFromView(account: AccountView, patch: Partial<AccountUpdate> = {}): AccountUpdate {
  return {
    label: account.label,
    baseUrl: account.baseUrl,
    model: account.model,
    api: account.api,
    serverState: account.serverState,
    allowHttp: account.allowHttp,
    headers: account.headers.map(([n, v]) => [n, v]),
    enabled: account.enabled,
    proxy: account.proxy,
    maxConcurrent: account.maxConcurrent,
    customModels: account.customModels.map((m) => ({ ...m })),
    ...patch,
  };
}
