// Reports the first paint exactly as Switchboard's page does: two animation frames after the
// content is in the DOM, then the `app_ready` command (through Tauri's injected IPC: the page
// has no npm build, and the global API is off as in the app), with the page's start-up
// timeline in the line format Switchboard writes (src-tauri/src/startup.rs).
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const marks = [
      ["document", navigation.responseEnd],
      ["parsed", navigation.domInteractive],
      ["painted", performance.now()],
    ];
    const page = `page ${performance.timeOrigin.toFixed(1)} ${marks.map(([name, at]) => `${name}=${at.toFixed(1)}`).join(" ")}`;
    window.__TAURI_INTERNALS__.invoke("app_ready", { page }).catch(() => undefined);
  }),
);
