// Reports the first paint exactly as Switchboard's page does: two animation frames after the
// content is in the DOM, then the `app_ready` command (through Tauri's injected IPC: the page
// has no npm build, and the global API is off as in the app).
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    window.__TAURI_INTERNALS__.invoke("app_ready").catch(() => undefined);
  }),
);
