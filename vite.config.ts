import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { katexWoff2Only } from "./vite-katex-fonts";

// Tauri serves the built UI from ui/dist and, in development, points its webview
// at this dev server (port 5173). See https://v2.tauri.app/start/frontend/vite/
export default defineConfig({
  root: "ui",
  // svelte.config.js sits at the repo root, one level above the Vite root.
  // katexWoff2Only: only KaTeX's WOFF2 fonts are referenced and emitted (vite-katex-fonts.ts).
  plugins: [svelte({ configFile: "../svelte.config.js" }), katexWoff2Only()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    watch: {
      // The Rust side rebuilds itself; don't make Vite watch it.
      ignored: ["**/src-tauri/**", "**/target/**"],
    },
  },
  envPrefix: ["VITE_", "TAURI_ENV_*"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Linux webview is WebKitGTK; macOS is WKWebView (Safari); Windows is WebView2 (Chromium).
    target: ["safari15", "chrome105"],
    sourcemap: false,
  },
});
