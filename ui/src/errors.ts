import type { ErrorCode } from "./ipc/types";

const TITLES: Record<ErrorCode, string> = {
  auth: "The API key was rejected",
  rate_limit: "Rate limited by the provider",
  quota: "The account's quota is used up",
  bad_request: "The provider rejected the request",
  not_found: "Not found: check the base URL and the model ID",
  server: "The provider had a server error",
  network: "Could not reach the provider",
  stalled: "The answer stalled",
  content_filter: "Blocked by the provider's content filter",
  incomplete: "The answer ended early",
  protocol: "Unexpected response from the provider",
  keyring: "The system keyring could not be used",
  invalid_input: "Invalid input",
  internal: "Something went wrong",
};

/** Short, human headline for an error code; the backend's message gives the details. */
export function errorTitle(code: ErrorCode): string {
  return TITLES[code] ?? TITLES.internal;
}
