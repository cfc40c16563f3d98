import "./app.css";
import "katex/dist/katex.min.css";
import "./markdown/markdown.css";
import { recentFlushes } from "./markdown/timings";
import { mount } from "svelte";
import App from "./App.svelte";
import { PreferencesState } from "./state/preferences.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("#app element missing from index.html");

// Theme, font size and language before the first paint: no flash of the wrong theme or language.
const preferences = new PreferencesState();
preferences.apply();

export default mount(App, { target, props: { preferences } });

// Read by the whole-app benchmark (tests/tests/e2e/bench.rs): durations only, no content.
Object.defineProperty(window, "switchboardMarkdownFlushes", { value: recentFlushes });
