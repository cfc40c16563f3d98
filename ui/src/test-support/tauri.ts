// Test helpers for @tauri-apps/api/mocks. Under mockIPC, invoke() hands the handler the
// args object as-is, so a Channel argument arrives as the Channel instance. Its `id` is a
// callback registered through the mocked transformCallback; the real backend posts
// `{ index, message }` to that callback, which is what sendToChannel does here.
import type { Channel } from "@tauri-apps/api/core";

interface MockInternals {
  runCallback(id: number, data: unknown): void;
}

export function sendToChannel<T>(channel: Channel<T>, index: number, message: T): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: MockInternals }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { index, message });
}

/** Sends messages in order, numbering them after what was already sent. */
export class ChannelFeed<T> {
  #next = 0;
  constructor(readonly channel: Channel<T>) {}

  send(...messages: T[]): void {
    for (const message of messages) sendToChannel(this.channel, this.#next++, message);
  }
}
