// Test data shaped like what the backend sends, with every field present.
import type {
  AccountView,
  Capabilities,
  Health,
  ModelGroup,
  PresetView,
  RouteChoice,
  StoredMessage,
} from "../ipc/types";

export const OK: Health = { state: "ok", detail: null, retryInSecs: null };

export const NO_CAPS: Capabilities = { reasoning: null, vision: null, tools: null, jsonMode: null };

export function accountView(patch: Partial<AccountView> & { id: string }): AccountView {
  return {
    label: patch.id,
    baseUrl: "https://api.example.com/v1",
    model: "gpt-5.1",
    api: "chat",
    serverState: false,
    preset: "custom",
    allowHttp: false,
    headers: [],
    enabled: true,
    hasKey: true,
    keyHint: "abcd",
    keyProblem: null,
    proxy: null,
    hasProxyPassword: false,
    maxConcurrent: null,
    customModels: [],
    health: OK,
    ...patch,
  };
}

export function route(patch: Partial<RouteChoice> & { accountId: string; modelId: string }): RouteChoice {
  return { accountLabel: patch.accountId, api: "chat", health: OK, ...patch };
}

export function group(key: string, routes: RouteChoice[], patch: Partial<ModelGroup> = {}): ModelGroup {
  return { key, name: key, capabilities: NO_CAPS, routes, ...patch };
}

export const PRESETS: PresetView[] = [
  {
    id: "starrise",
    name: "Starrise",
    baseUrl: "https://ai.alad.com/v1",
    local: false,
    keyRequired: true,
    modelIdStyle: "bare dotted IDs like gpt-5.1-codex-mini",
    models: [
      {
        id: "gpt-5.1-codex-mini",
        logical: "gpt-5.1-codex-mini",
        name: "GPT-5.1 Codex mini",
        api: "chat",
        capabilities: { reasoning: true, vision: null, tools: true, jsonMode: null },
      },
      {
        id: "gpt-5.2",
        logical: "gpt-5.2",
        name: "GPT-5.2",
        api: "responses",
        capabilities: { reasoning: true, vision: null, tools: null, jsonMode: null },
      },
    ],
  },
  {
    id: "ollama",
    name: "Ollama (local)",
    baseUrl: "http://127.0.0.1:11434/v1",
    local: true,
    keyRequired: false,
    modelIdStyle: "",
    models: [],
  },
  {
    id: "custom",
    name: "Custom",
    baseUrl: "",
    local: false,
    keyRequired: false,
    modelIdStyle: "",
    models: [],
  },
];

/** A complete stored message on its own branch (no siblings), as `open_conversation` sends it. */
export function storedMessage(patch: Partial<StoredMessage> & Pick<StoredMessage, "id" | "role">): StoredMessage {
  return {
    parentId: null,
    content: patch.id,
    images: [],
    html: null,
    reasoning: "",
    reasoningHtml: null,
    model: null,
    status: "complete",
    route: null,
    api: null,
    usage: null,
    timeToFirstTokenMs: null,
    tokensPerSecond: null,
    finishReason: null,
    error: null,
    siblings: [patch.id],
    siblingIndex: 0,
    createdAt: 0,
    ...patch,
  };
}
