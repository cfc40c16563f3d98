import type { Plugin } from "vite";

// KaTeX's stylesheet offers every face as WOFF2, WOFF and TrueType. Every webview the app runs
// in reads WOFF2 (WebKitGTK, WKWebView, WebView2), so it never fetches the other two, yet Vite
// would still emit all 60 files into ui/dist and the binary would embed them (about 0.9 MB of
// the 1.7 MB UI). This rewrites each `src:` list in katex(.min).css to its WOFF2 entry before
// Vite resolves the URLs, so only the WOFF2 files are emitted. A KaTeX upgrade that changes the
// stylesheet's shape fails the build rather than silently shipping all three formats again.
const KATEX_CSS = /[\\/]node_modules[\\/]katex[\\/]dist[\\/]katex(\.min)?\.css(\?.*)?$/;
const FONT_SRC = /src:\s*(url\([^)]*\.woff2\)\s*format\(["']woff2["']\))(?:\s*,\s*url\([^)]*\)\s*format\(["'][\w-]+["']\))+/g;

export function katexWoff2Only(): Plugin {
  return {
    name: "katex-woff2-only",
    // Before vite:css, which turns the url()s into emitted assets.
    enforce: "pre",
    transform(code, id) {
      if (!KATEX_CSS.test(id)) return null;
      let faces = 0;
      const trimmed = code.replace(FONT_SRC, (_all, woff2: string) => {
        faces += 1;
        return `src:${woff2}`;
      });
      const left = trimmed.match(/url\([^)]*\.(?:woff|ttf)\)/g);
      if (faces === 0 || left) {
        this.error(
          `katex-woff2-only: could not trim ${id} (${faces} faces rewritten; still references ${left?.join(", ") ?? "nothing"})`,
        );
      }
      return { code: trimmed, map: null };
    },
  };
}
