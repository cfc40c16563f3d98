import "./app.css";
import "katex/dist/katex.min.css";
import "./markdown/markdown.css";
import { recentFlushes } from "./markdown/timings";
import { mount } from "svelte";
import App from "./App.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("#app element missing from index.html");

export default mount(App, { target });

// Read by the whole-app benchmark (tests/tests/e2e/bench.rs): durations only, no content.
Object.defineProperty(window, "switchboardMarkdownFlushes", { value: recentFlushes });
