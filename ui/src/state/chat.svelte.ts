// Conversation state: the turns on screen, how stream events change them, and what
// history goes to the backend. Plain TypeScript with Svelte runes, no DOM.
import {
  sendMessage as ipcSendMessage,
  stopMessage as ipcStopMessage,
  toIpcError,
} from "../ipc";
import type {
  AttemptView,
  ChatMessage,
  CommandError,
  Params,
  RouteView,
  SendRequest,
  StreamEvent,
  Target,
} from "../ipc/types";

export type AssistantStatus = "streaming" | "done" | "stopped" | "error";

export interface Usage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
}

export interface UserTurn {
  role: "user";
  id: number;
  text: string;
}

export interface AssistantTurn {
  role: "assistant";
  id: number;
  /** Known once `started` arrives or send_message resolves. */
  requestId: string | null;
  /** Where the message was sent: a pinned route or a logical model. */
  target: Target;
  /** Raw markdown received so far. */
  text: string;
  /** Sanitized HTML from the backend; null until the first `rendered` event. */
  html: string | null;
  reasoning: string;
  status: AssistantStatus;
  error: CommandError | null;
  usage: Usage | null;
  finishReason: string | null;
  /** Tool calls the model asked for, by index (Switchboard shows them; it does not run them). */
  toolCalls: ToolCall[];
  /** Parameters Switchboard adapted for this model, said plainly. */
  notices: string[];
  /** The provider's id for this answer (Responses API), to continue from it. */
  responseId: string | null;
  /** Who answered and why other routes did not (the backend sends it for every answer). */
  route: { servedBy: RouteView | null; attempts: AttemptView[] } | null;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type Turn = UserTurn | AssistantTurn;

export function newAssistantTurn(id: number, target: Target): AssistantTurn {
  return {
    role: "assistant",
    id,
    requestId: null,
    target,
    text: "",
    html: null,
    reasoning: "",
    status: "streaming",
    error: null,
    usage: null,
    finishReason: null,
    toolCalls: [],
    notices: [],
    responseId: null,
    route: null,
  };
}

/**
 * Applies one stream event to an assistant turn, in place. After the turn has ended
 * (done, stopped, error) only `usage` and `rendered` still apply, since a provider may
 * report usage after its finish reason; further text and terminal events are ignored,
 * so the first terminal event wins.
 */
export function applyStreamEvent(turn: AssistantTurn, event: StreamEvent): void {
  if (turn.status !== "streaming" && event.type !== "usage" && event.type !== "rendered") return;
  switch (event.type) {
    case "started":
      turn.requestId = event.requestId;
      break;
    case "textDelta":
      turn.text += event.text;
      break;
    case "reasoningDelta":
      turn.reasoning += event.text;
      break;
    case "notice":
      turn.notices.push(event.message);
      break;
    case "responseId":
      turn.responseId = event.id;
      break;
    case "route":
      turn.route = { servedBy: event.servedBy, attempts: event.attempts };
      break;
    case "toolCallDelta": {
      const call = (turn.toolCalls[event.index] ??= { id: "", name: "", arguments: "" });
      if (event.id !== null) call.id = event.id;
      if (event.name !== null) call.name = event.name;
      call.arguments += event.arguments;
      break;
    }
    case "rendered":
      turn.html = event.html;
      break;
    case "usage":
      turn.usage = {
        promptTokens: event.promptTokens,
        completionTokens: event.completionTokens,
        totalTokens: event.totalTokens,
      };
      break;
    case "finished":
      turn.finishReason = event.reason;
      turn.status = "done";
      break;
    case "stopped":
      turn.status = "stopped";
      break;
    case "error":
      turn.status = "error";
      turn.error = { code: event.code, message: event.message };
      break;
  }
}

/** Fails a turn that is still streaming (e.g. send_message itself was rejected). */
export function failTurn(turn: AssistantTurn, error: CommandError): void {
  if (turn.status !== "streaming") return;
  turn.status = "error";
  turn.error = { code: error.code, message: error.message };
}

/**
 * The prior conversation as the provider should see it: user turns and the assistant
 * answers the user actually got. Failed, still-streaming and empty answers are left
 * out; a stopped answer keeps the text the user saw.
 */
export function buildHistory(turns: readonly Turn[]): ChatMessage[] {
  const history: ChatMessage[] = [];
  for (const turn of turns) {
    if (turn.role === "user") {
      history.push({ role: "user", content: turn.text });
    } else if (
      (turn.status === "done" || turn.status === "stopped") &&
      turn.text.trim() !== ""
    ) {
      history.push({ role: "assistant", content: turn.text });
    }
  }
  return history;
}

/** The account that answered a turn: the route record's, else the pinned target's. */
export function servedAccount(turn: AssistantTurn): string | null {
  if (turn.route?.servedBy) return turn.route.servedBy.accountId;
  return turn.target.type === "account" ? turn.target.accountId : null;
}

/**
 * The response id of the last answer, when it completed; the provider stored that response.
 * With `accountId`, only when that account gave the answer: another provider (or another
 * account's key) never stored it.
 */
export function lastResponseId(turns: readonly Turn[], accountId?: string): string | null {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (turn.role !== "assistant") continue;
    if (turn.status !== "done") return null;
    if (accountId !== undefined && servedAccount(turn) !== accountId) return null;
    return turn.responseId;
  }
  return null;
}

export interface ChatIpc {
  sendMessage(request: SendRequest, onEvent: (event: StreamEvent) => void): Promise<string>;
  stopMessage(requestId: string): Promise<void>;
}

const defaultIpc: ChatIpc = { sendMessage: ipcSendMessage, stopMessage: ipcStopMessage };

export class Conversation {
  turns: Turn[] = $state([]);
  /** Set when a Stop request itself failed. */
  stopError: CommandError | null = $state(null);

  #nextId = 1;
  #stopWanted = false;
  readonly #ipc: ChatIpc;

  constructor(ipc: ChatIpc = defaultIpc) {
    this.#ipc = ipc;
  }

  /** The answer currently streaming, if any. */
  get active(): AssistantTurn | null {
    const last = this.turns.at(-1);
    return last?.role === "assistant" && last.status === "streaming" ? last : null;
  }

  get inFlight(): boolean {
    return this.active !== null;
  }

  /**
   * Sends `text` as the next user turn and streams the answer into a new assistant turn,
   * to `target` with the given generation parameters. `serverState`: the pinned account
   * lets the provider keep the conversation (Responses API). Returns false (and does
   * nothing) when the text is blank or an answer is still streaming.
   */
  async send(
    target: Target,
    text: string,
    settings: { params: Params; serverState?: boolean },
  ): Promise<boolean> {
    if (text.trim() === "" || this.inFlight) return false;
    // With server state the provider already holds the conversation up to its last answer:
    // send only the new message. Only a pinned Responses route has one provider to hold it;
    // without a usable previous answer from that account, resend the history.
    const previousResponseId =
      target.type === "account" && target.api === "responses" && settings.serverState
        ? lastResponseId(this.turns, target.accountId)
        : null;
    const history = previousResponseId === null ? buildHistory(this.turns) : [];
    history.push({ role: "user", content: text });

    this.turns.push({ role: "user", id: this.#nextId++, text });
    this.turns.push(newAssistantTurn(this.#nextId++, { ...target }));
    // Read back the reactive proxy so later mutations update the screen.
    const turn = this.turns.at(-1) as AssistantTurn;
    this.#stopWanted = false;
    this.stopError = null;

    try {
      const requestId = await this.#ipc.sendMessage(
        {
          // Copies, so the request never aliases reactive state.
          target: { ...target },
          messages: history,
          params: { ...settings.params },
          ...(previousResponseId === null ? {} : { previousResponseId }),
        },
        (event) => {
          const before = turn.requestId;
          applyStreamEvent(turn, event);
          if (before === null && turn.requestId !== null) this.#stopIfWanted(turn);
        },
      );
      if (turn.requestId === null) {
        turn.requestId = requestId;
        this.#stopIfWanted(turn);
      }
    } catch (e) {
      failTurn(turn, toIpcError(e).toCommandError());
    }
    return true;
  }

  /** Asks the backend to abort the streaming answer; the `stopped` event ends the turn. */
  async stop(): Promise<void> {
    const turn = this.active;
    if (!turn) return;
    if (turn.requestId === null) {
      // The request id is not known yet: stop as soon as it is.
      this.#stopWanted = true;
      return;
    }
    await this.#requestStop(turn.requestId);
  }

  clear(): void {
    if (this.inFlight) return;
    this.turns = [];
    this.stopError = null;
  }

  #stopIfWanted(turn: AssistantTurn): void {
    if (this.#stopWanted && turn.status === "streaming" && turn.requestId !== null) {
      this.#stopWanted = false;
      void this.#requestStop(turn.requestId);
    }
  }

  async #requestStop(requestId: string): Promise<void> {
    try {
      await this.#ipc.stopMessage(requestId);
    } catch (e) {
      this.stopError = toIpcError(e).toCommandError();
    }
  }
}
