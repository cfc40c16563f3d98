// Imported first by main.ts: asks for what the first screen shows before the rest of the UI
// is evaluated and built (ipc/index.ts hands each answer to the first identical call).
import { startFirstScreen } from "./ipc";

/** Settles when the accounts, the conversation list and the models have answered. */
export const firstScreen: Promise<void> = startFirstScreen();
