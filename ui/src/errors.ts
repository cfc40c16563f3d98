import { t } from "./i18n/locale.svelte";
import type { ErrorCode } from "./ipc/types";

/** Short, human headline for an error code; the backend's message gives the details. */
export function errorTitle(code: ErrorCode): string {
  switch (code) {
    case "auth":
      return t("The API key was rejected");
    case "rate_limit":
      return t("Rate limited by the provider");
    case "quota":
      return t("The account's quota is used up");
    case "bad_request":
      return t("The provider rejected the request");
    case "not_found":
      return t("Not found: check the base URL and the model ID");
    case "server":
      return t("The provider had a server error");
    case "network":
      return t("Could not reach the provider");
    case "stalled":
      return t("The answer stalled");
    case "content_filter":
      return t("Blocked by the provider's content filter");
    case "incomplete":
      return t("The answer ended early");
    case "protocol":
      return t("Unexpected response from the provider");
    case "keyring":
      return t("The system keyring could not be used");
    case "invalid_input":
      return t("Invalid input");
    // A code from a newer backend gets the general headline.
    default:
      return t("Something went wrong");
  }
}
