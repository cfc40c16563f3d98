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
}

export type Role = "system" | "user" | "assistant";

export interface ChatMessage {
  role: Role;
  content: string;
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

export interface SendRequest {
  accountId: string;
  model: string;
  /** The account's protocol (from AccountView.api). */
  api: Api;
  messages: ChatMessage[];
  params: Params;
  /**
   * Responses API with server state: the previous answer's id; `messages` then holds only the
   * new user message.
   */
  previousResponseId?: string;
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
  modelId: string;
  api: Api;
}

/** A route that did not answer, and why (readable, e.g. "rate-limited, cooling down 30 s"). */
export interface AttemptView {
  route: RouteView;
  code: string;
  outcome: string;
}

/** Events of one streamed answer, in order, over a per-request tauri Channel. */
export type StreamEvent =
  | { type: "started"; requestId: string }
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
  /** Routed answers: which route served it and why earlier routes did not. */
  | { type: "route"; servedBy: RouteView | null; attempts: AttemptView[] }
  /** A parameter was adapted or dropped for the target model (shown on the answer). */
  | { type: "notice"; param: string; message: string }
  /** Sanitized HTML of the whole answer so far (model raw HTML escaped). Safe to assign to innerHTML. */
  | { type: "rendered"; html: string }
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
