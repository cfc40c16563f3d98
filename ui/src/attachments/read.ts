// Images attached in the composer: read from files (picker, paste, drop) into `data:` URLs.
// Rust checks them again by their bytes before anything is sent (sb_core::attachment).

/** The types every vision model takes. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

/** Providers refuse larger images (OpenAI's limit is 20 MB). */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** At most this many per message (Rust refuses more). */
export const MAX_IMAGES = 10;

export interface Attachment {
  name: string;
  dataUrl: string;
}

export type Refusal = { name: string; reason: "type" | "size" };

/** Splits files into images to read and refusals (wrong type, too large). */
export function sortFiles(files: readonly File[]): { accepted: File[]; refused: Refusal[] } {
  const accepted: File[] = [];
  const refused: Refusal[] = [];
  for (const file of files) {
    if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) refused.push({ name: file.name, reason: "type" });
    else if (file.size > MAX_IMAGE_BYTES) refused.push({ name: file.name, reason: "size" });
    else accepted.push(file);
  }
  return { accepted, refused };
}

/** Reads a file as a `data:` URL. */
export function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(file);
  });
}
