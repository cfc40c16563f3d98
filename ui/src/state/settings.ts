// Which part of the settings page is shown. Kept by the app so the first run can open the
// add-account flow and the chat can link straight to it.

export type SettingsMode =
  | { kind: "list" }
  /** Adding an account: first the provider (`presetId` null), then the form. */
  | { kind: "add"; presetId: string | null }
  | { kind: "edit"; accountId: string };
