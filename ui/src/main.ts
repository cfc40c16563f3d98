// First: the first screen's calls leave while the rest of the UI's modules are evaluated.
import { firstScreen } from "./boot";
import "./app.css";
import "katex/dist/katex.min.css";
import "./markdown/markdown.css";
import { recentFlushes } from "./markdown/timings";
import { mount } from "svelte";
import App from "./App.svelte";
import { PreferencesState } from "./state/preferences.svelte";
import { markStartup } from "./startup";

// Every module is evaluated (the bundle is one script).
markStartup("modules");

const target = document.getElementById("app");
if (!target) throw new Error("#app element missing from index.html");

// Fonts by platform (app.css), then theme, font size and language, all before the first paint:
// no flash of the wrong theme or language.
if (/\bLinux\b/.test(navigator.userAgent) && !/\bAndroid\b/.test(navigator.userAgent)) {
  document.documentElement.dataset.platform = "linux";
}
const preferences = new PreferencesState();
preferences.apply();

/**
 * How long the first paint waits for the first screen's data: a window with its lists in
 * place is laid out and painted once, not once empty and again filled. A slow answer (a
 * keyring waiting to be unlocked) only delays the lists, never the window.
 */
const FIRST_SCREEN_WAIT_MS = 250;

void Promise.race([firstScreen, new Promise((done) => setTimeout(done, FIRST_SCREEN_WAIT_MS))]).then(() => {
  markStartup("data");
  mount(App, { target, props: { preferences } });
  markStartup("mounted");
});

// Read by the whole-app benchmark (tests/tests/e2e/bench.rs): durations only, no content.
Object.defineProperty(window, "switchboardMarkdownFlushes", { value: recentFlushes });
