// The IPC contract between the Rust side (src-tauri/src/dto.rs) and the web UI.
// Field names are camelCase on the wire; Rust derives them with serde(rename_all = "camelCase").
// An API key travels only UI -> Rust (in NewAccount); nothing Rust sends back ever carries one.

/** The wire protocol an account speaks: `POST /chat/completions` or `POST /responses`. */
export type Api = "chat" | "responses";

/** What the UI may know about an account: never its key, only that one is stored. */
export interface AccountView {
  id: string;
  label: string;
  baseUrl: string;
  /** Model ID sent by default for this account (the user can change it per message). */
  model: string;
  api: Api;
  /** Responses API: the provider keeps the conversation (`previous_response_id`). */
  serverState: boolean;
  /** Provider preset id (`custom` when none). */
  preset: string;
  /** The user allowed plain http:// to a host other than this machine. */
  allowHttp: boolean;
  /** Extra headers sent with every request, as [name, value] pairs. */
  headers: [string, string][];
  /** Disabled accounts keep their key but serve nothing. */
  enabled: boolean;
  hasKey: boolean;
  /** The stored key's last four characters, never more. */
  keyHint: string | null;
  /**
   * Why the stored key cannot be used, when it cannot: the keyring entry is bound to the
   * origin the key was entered for, and the account now points elsewhere. Re-entering the key
   * fixes it.
   */
  keyProblem: string | null;
  /** Proxy URL without its password (may hold a user name); null: no proxy. */
  proxy: string | null;
  /** A proxy password is stored in the keyring (write-only, like the key). */
  hasProxyPassword: boolean;
  /** At most this many answers stream from this account at once; null: no limit. */
  maxConcurrent: number | null;
  /** Models the user added by hand. */
  customModels: CustomModel[];
  /** Router health right now. */
  health: Health;
}

/** A model added by hand to an account. */
export interface CustomModel {
  /** The provider's own model ID, sent as is. */
  id: string;
  /** The protocol this model needs at this account. */
  api: Api;
  /** Groups it with the same model at other accounts (a logical key such as `gpt-5.1`). */
  logical: string | null;
  /** Display name; the id when empty. */
  name: string | null;
}

/**
 * How an account is doing, as the router sees it. `retryInSecs` is set for `cooling`.
 * `detail` is a readable sentence (the provider's message for `attention`).
 */
export interface Health {
  state: "ok" | "cooling" | "attention" | "disabled" | "no_key";
  detail: string | null;
  retryInSecs: number | null;
}

/** What a model can do, as documented; null means "not documented", never "no". */
export interface Capabilities {
  reasoning: boolean | null;
  vision: boolean | null;
  tools: boolean | null;
  jsonMode: boolean | null;
}

/** A model a provider preset knows. */
export interface PresetModel {
  id: string;
  logical: string;
  name: string;
  api: Api;
  capabilities: Capabilities;
}

/** A provider Switchboard knows (Starrise, AI/ML API, ..., Custom). */
export interface PresetView {
  id: string;
  name: string;
  /** Default base URL; empty for Custom (the user must give one). */
  baseUrl: string;
  /** A server on this machine (Ollama, LM Studio / llama.cpp). */
  local: boolean;
  keyRequired: boolean;
  /** How this provider writes model IDs, e.g. "openai/ prefix with hyphens". */
  modelIdStyle: string;
  models: PresetModel[];
}

/** Where a catalog entry comes from. */
export type ModelSource = "preset" | "discovered" | "manual";

/** One model one account can serve. */
export interface CatalogModel {
  id: string;
  name: string;
  logical: string | null;
  api: Api;
  capabilities: Capabilities;
  source: ModelSource;
  /** The provider listed it at /models on the last connection test. */
  listed: boolean;
}

/** One route of a model group in the model picker. */
export interface RouteChoice {
  accountId: string;
  accountLabel: string;
  /** The provider's own model ID at that account. */
  modelId: string;
  api: Api;
  health: Health;
}

/**
 * One entry of the model picker: a logical model (or a model ID no preset groups) with every
 * account route that serves it, in priority order (the order of the accounts).
 */
export interface ModelGroup {
  /** What to send as `target.model` for a routed message. */
  key: string;
  name: string;
  capabilities: Capabilities;
  routes: RouteChoice[];
}

/** The verdict of a connection test. */
export type Verdict = "ok" | "no_model_list" | "key_rejected" | "unreachable" | "failed";

export interface ConnectionReport {
  verdict: Verdict;
  /** A plain sentence for the user. */
  message: string;
  /** The merged catalog (the preset's models when the list could not be fetched). */
  models: CatalogModel[];
}

/** Whether the OS keyring can be used; `message` says what is wrong and how to fix it. */
export interface KeyringStatus {
  available: boolean;
  message: string | null;
}

/**
 * The editable settings of an existing account (the settings page sends the whole form).
 * Keys are write-only: `apiKey` replaces the stored key when non-empty; moving the base URL to
 * another origin needs the key again (keys are bound to their origin).
 */
export interface AccountUpdate {
  label: string;
  baseUrl: string;
  model: string;
  api: Api;
  serverState: boolean;
  allowHttp: boolean;
  headers: [string, string][];
  enabled: boolean;
  /** Proxy URL (http://, https://, socks5://, socks5h://), user name allowed; null: none. */
  proxy: string | null;
  /** Replaces the stored proxy password when non-empty; kept when empty or absent. */
  proxyPassword?: string;
  maxConcurrent: number | null;
  customModels: CustomModel[];
  /** Replaces the stored key when non-empty; kept when empty or absent. */
  apiKey?: string;
}

/** Sent once by the add-account form. `apiKey` is write-only: Rust stores it in the OS keyring. */
export interface NewAccount {
  label: string;
  baseUrl: string;
  apiKey: string;
  model: string;
  api: Api;
  serverState: boolean;
  /** Provider preset id; defaults to `custom`. */
  preset?: string;
  /** Allow plain http:// to a host other than this machine (the key travels unencrypted). */
  allowHttp?: boolean;
  /** Extra headers sent with every request, as [name, value] pairs. */
  headers?: [string, string][];
  /** Proxy URL (http://, https://, socks5://, socks5h://), user name allowed. */
  proxy?: string | null;
  /** Write-only, stored in the keyring beside the key. */
  proxyPassword?: string;
  /** At most this many answers at once from this account; null or absent: no limit. */
  maxConcurrent?: number | null;
  customModels?: CustomModel[];
}

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
  /** Attached images as base64 `data:` URLs (PNG, JPEG, GIF or WebP; Rust checks them). */
  images?: string[];
}

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";
export type ReasoningSummary = "auto" | "concise" | "detailed";
export type Verbosity = "low" | "medium" | "high";

/**
 * Generation parameters; a missing field means "not sent" (the provider's default applies).
 * Ranges (checked again in Rust, which names the parameter and its range when one is off):
 * maxTokens >= 1, temperature 0–2, topP 0–1, frequencyPenalty and presencePenalty −2–2.
 */
export interface Params {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  reasoningEffort?: ReasoningEffort;
  /** Responses API only. */
  reasoningSummary?: ReasoningSummary;
  verbosity?: Verbosity;
  jsonMode?: boolean;
}

/** How to choose among a logical model's routes. */
export type Strategy = "priority" | "round_robin" | "least_recently_limited";

/**
 * Where a message goes: one account's model (a pinned route), or a logical model that any
 * account serving it may answer (routed, with failover before the first token).
 */
export type Target =
  | { type: "account"; accountId: string; model: string; api: Api }
  | { type: "logical"; model: string; strategy: Strategy };

/**
 * Where a message is stored. With `conversationId` null a new conversation is started (its
 * title comes from the question; target, parameters and system prompt from the request).
 * `parentId`: the message this one follows (the current leaf for a new message; the edited
 * message's parent when editing, which makes a sibling branch). `regenerate`: no new user
 * message; a new answer (a sibling of earlier answers) to `parentId`, which must be a user
 * message. With a conversation, Rust builds the context from the stored branch: `messages`
 * then only carries the new user message (or nothing when regenerating).
 */
export interface StoredPlacement {
  conversationId: string | null;
  parentId: string | null;
  regenerate?: boolean;
  /** A new conversation's system prompt. */
  systemPrompt?: string | null;
}

/** The words of a native notice that an answer finished (never the answer itself). */
export interface NoticeText {
  title: string;
  body: string;
}

export interface SendRequest {
  target: Target;
  /** Keep the exchange in the history (omit for a throw-away question). */
  conversation?: StoredPlacement;
  messages: ChatMessage[];
  params: Params;
  /**
   * Responses API with server state: the previous answer's id; `messages` then holds only the
   * new user message.
   */
  previousResponseId?: string;
  /** Shown natively if the answer takes long and the window is in the background; omit: never. */
  notice?: NoticeText;
}

/** Classified error codes; the UI chooses wording and actions from `code`, never by matching `message`. */
export type ErrorCode =
  | "auth"
  | "rate_limit"
  | "quota"
  | "bad_request"
  | "not_found"
  | "server"
  | "network"
  | "stalled"
  | "content_filter"
  | "incomplete"
  | "protocol"
  | "keyring"
  | "invalid_input"
  | "internal";

/** One way of serving a model: an account, its own model ID and the protocol. */
export interface RouteView {
  accountId: string;
  /** The account's label when the answer came (the account may be renamed or removed later). */
  accountLabel: string;
  modelId: string;
  api: Api;
}

/** A route that did not answer, and why (readable, e.g. "rate-limited, cooling down 30 s"). */
export interface AttemptView {
  route: RouteView;
  code: string;
  outcome: string;
}

/** Which text of an answer a `rendered` event is of. */
export type RenderedPart = "answer" | "reasoning";

/** A text's HTML as the `rendered` events build it: finished blocks, then the unfinished tail. */
export interface RenderedText {
  blocks: string[];
  tail: string;
}

/** Events of one streamed answer, in order, over a per-request tauri Channel. */
export type StreamEvent =
  | { type: "started"; requestId: string }
  /** Stored requests: where the question and the answer live (sent right after `started`). */
  | { type: "stored"; conversationId: string; userMessageId: string | null; answerId: string }
  /** A new conversation got its title from the model (after its first answer ended). */
  | { type: "titled"; conversationId: string; title: string }
  /** How fast the answer came (after its final event). */
  | { type: "timing"; timeToFirstTokenMs: number | null; tokensPerSecond: number | null }
  | { type: "textDelta"; text: string }
  | { type: "reasoningDelta"; text: string }
  /** A piece of a tool call the model asked for (`name` replaces an earlier value). */
  | {
      type: "toolCallDelta";
      index: number;
      id: string | null;
      name: string | null;
      arguments: string;
    }
  /** The provider's id for this answer (Responses API). */
  | { type: "responseId"; id: string }
  /** Which route served the answer and why earlier routes did not (every answer has one). */
  | { type: "route"; servedBy: RouteView | null; attempts: AttemptView[] }
  /** A parameter was adapted or dropped for the target model (shown on the answer). */
  | { type: "notice"; param: string; message: string }
  /**
   * Sanitized HTML of the answer or its reasoning, incrementally: append `committed` (finished
   * blocks, final) after the part's earlier blocks, then replace the part's tail with `tail`.
   * Model raw HTML is escaped; safe to parse into the page.
   */
  | { type: "rendered"; part: RenderedPart; committed: string[]; tail: string }
  | {
      type: "usage";
      promptTokens: number | null;
      completionTokens: number | null;
      totalTokens: number | null;
    }
  /** The provider finished the answer; `reason` is its finish_reason ("stop", "length", ...). */
  | { type: "finished"; reason: string }
  /** The user pressed Stop; the HTTP request has been aborted. Text received so far is kept. */
  | { type: "stopped" }
  /** The answer failed; text received so far is kept. */
  | { type: "error"; code: ErrorCode; message: string };

/** Shape of a rejected command (invoke() rejects with this object). */
export interface CommandError {
  code: ErrorCode;
  message: string;
}

/** A conversation in the sidebar list. */
export interface ConversationSummary {
  id: string;
  /** Empty until the first question names it. */
  title: string;
  pinned: boolean;
  archived: boolean;
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
}

export type MessageStatus = "complete" | "streaming" | "interrupted" | "stopped" | "error";

/** One message of the branch being shown. */
export interface StoredMessage {
  id: string;
  parentId: string | null;
  role: Role;
  content: string;
  /** Attached images as `data:` URLs (user messages). */
  images: string[];
  /** Sanitized HTML of an assistant message (same renderer as live answers); null for others. */
  html: string | null;
  reasoning: string;
  /** The reasoning rendered the same way; null when there is none. */
  reasoningHtml: string | null;
  model: string | null;
  /**
   * `interrupted`: the app or sb stopped while it streamed (crash, kill); the text is what had
   * arrived. Offer Continue and Retry.
   */
  status: MessageStatus;
  /** The route that answered and why others did not (answers only). */
  route: { servedBy: RouteView | null; attempts: AttemptView[] } | null;
  api: Api | null;
  usage: { promptTokens: number | null; completionTokens: number | null; totalTokens: number | null } | null;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
  finishReason: string | null;
  error: CommandError | null;
  /** This message and its siblings (other branches at this point), oldest first. */
  siblings: string[];
  siblingIndex: number;
  createdAt: number;
}

/** A conversation opened: its settings and its current branch (or the last page of it). */
export interface ConversationView {
  id: string;
  title: string;
  pinned: boolean;
  archived: boolean;
  systemPrompt: string | null;
  /** The model or route it was last sent to (null: none yet). */
  target: Target | null;
  /** The parameters its last message was sent with (null: not known, e.g. imported). */
  params: Params | null;
  /** How many messages the whole branch has. */
  total: number;
  /** The branch index of `messages[0]` (0 unless only the last page was loaded). */
  start: number;
  messages: StoredMessage[];
}

export interface ConversationPatch {
  title?: string;
  pinned?: boolean;
  archived?: boolean;
  systemPrompt?: string | null;
}

export interface SearchHit {
  conversationId: string;
  conversationTitle: string;
  /** The matching message (null when the title matched). */
  messageId: string | null;
  role: Role | null;
  /** Escaped text with `<mark>` around the matches: safe to assign to innerHTML. */
  snippetHtml: string;
  createdAt: number;
}

export type ExportFormat = "markdown" | "html" | "json";

export interface ImportReport {
  conversations: number;
  messages: number;
}

/** App-wide settings kept by Rust (shared with the `sb` CLI). */
export interface AppSettings {
  /** The proxy for accounts without their own; null: the system's proxy settings. */
  defaultProxy: string | null;
  /** Where accounts, history and settings are kept (keys are in the keyring). */
  dataDir: string;
}
