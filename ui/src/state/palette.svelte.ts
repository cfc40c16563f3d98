// The command palette (Ctrl+K): one box to find a conversation by its title or by words in its
// messages, or to run a command, without leaving the keyboard. Matching and ordering are pure
// functions; PaletteState adds the debounced message search and the keyboard selection.
import { searchHistory as ipcSearchHistory, toIpcError } from "../ipc";
import type { CommandError, ConversationSummary, SearchHit } from "../ipc/types";
import { displayTitle } from "./history.svelte";

/** A command the palette offers (New chat, Settings, ...). */
export interface PaletteCommand {
  id: string;
  label: string;
  /** The shortcut that does the same, as shown to the user ("Ctrl+N"). */
  keys?: string;
  run: () => void;
}

/** One row of the palette, in the order shown. */
export type PaletteItem =
  | { kind: "command"; command: PaletteCommand }
  | { kind: "conversation"; conversation: ConversationSummary }
  | { kind: "hit"; hit: SearchHit };

/** How long typing may pause before the message search runs. */
export const PALETTE_SEARCH_DELAY_MS = 150;
/** At most this many conversations matched by title. */
export const MAX_TITLE_MATCHES = 30;
/** The message search asks for at most this many hits. */
export const MAX_MESSAGE_HITS = 20;

/** The query's words, lower-cased (case- and width-insensitive matching). */
function words(query: string): string[] {
  return query
    .normalize("NFKC")
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "");
}

/**
 * How well `text` matches the query's words: null unless every word occurs in it; otherwise
 * lower is better (a text that starts with the first word, then one where a word starts a
 * word of the text, then any occurrence). Chinese has no spaces, so plain substrings count.
 */
export function matchRank(text: string, query: string): number | null {
  const wanted = words(query);
  if (wanted.length === 0) return 0;
  const hay = text.normalize("NFKC").toLowerCase();
  let rank = 2;
  for (const [i, word] of wanted.entries()) {
    const at = hay.indexOf(word);
    if (at < 0) return null;
    if (i === 0 && at === 0) rank = 0;
    else if (rank > 1 && /[\s\p{P}]/u.test(hay[at - 1] ?? " ")) rank = 1;
  }
  return rank;
}

/**
 * The rows for a query: matching commands, then conversations whose title matches (best match
 * first, then the list's own order: pinned, then most recent), then message hits from
 * conversations not already listed by title. With no query: the commands, then the recent
 * conversations.
 */
export function paletteItems(
  query: string,
  commands: readonly PaletteCommand[],
  conversations: readonly ConversationSummary[],
  hits: readonly SearchHit[] | null,
): PaletteItem[] {
  const items: PaletteItem[] = [];
  for (const command of commands) {
    if (matchRank(command.label, query) !== null) items.push({ kind: "command", command });
  }
  const ranked = conversations
    .map((conversation, order) => ({ conversation, order, rank: matchRank(displayTitle(conversation.title), query) }))
    .filter((c): c is { conversation: ConversationSummary; order: number; rank: number } => c.rank !== null)
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, MAX_TITLE_MATCHES);
  const listed = new Set<string>();
  for (const { conversation } of ranked) {
    listed.add(conversation.id);
    items.push({ kind: "conversation", conversation });
  }
  for (const hit of hits ?? []) {
    // Title hits repeat a conversation already listed; message hits point into it.
    if (hit.messageId === null && listed.has(hit.conversationId)) continue;
    items.push({ kind: "hit", hit });
  }
  return items;
}

export interface PaletteIpc {
  searchHistory(query: string, limit?: number): Promise<SearchHit[]>;
}

/** The palette's query, its message search and which row is selected. */
export class PaletteState {
  open = $state(false);
  query = $state("");
  /** Hits of the message search for the current query; null until it answers. */
  hits: SearchHit[] | null = $state(null);
  searchError: CommandError | null = $state(null);
  selected = $state(0);

  readonly #ipc: PaletteIpc;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #generation = 0;

  constructor(ipc: PaletteIpc = { searchHistory: ipcSearchHistory }) {
    this.#ipc = ipc;
  }

  show(): void {
    this.open = true;
    this.setQuery("");
  }

  close(): void {
    this.open = false;
    this.#cancel();
  }

  setQuery(query: string): void {
    this.query = query;
    this.selected = 0;
    this.hits = null;
    this.searchError = null;
    this.#cancel();
    const trimmed = query.trim();
    if (trimmed === "") return;
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#search(trimmed, generation);
    }, PALETTE_SEARCH_DELAY_MS);
  }

  /** Moves the selection by `step` rows, wrapping around `count`. */
  move(step: number, count: number): void {
    if (count === 0) return;
    this.selected = (((this.selected + step) % count) + count) % count;
  }

  #cancel(): void {
    this.#generation++;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #search(query: string, generation: number): Promise<void> {
    try {
      const hits = await this.#ipc.searchHistory(query, MAX_MESSAGE_HITS);
      if (generation !== this.#generation) return;
      this.hits = hits;
    } catch (e) {
      if (generation !== this.#generation) return;
      this.hits = [];
      this.searchError = toIpcError(e).toCommandError();
    }
  }
}
