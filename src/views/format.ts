import { formatLogTime } from "../lib/time.ts";

/** An ISO time as the pages show it: local `2025-09-22 14:30:00`. */
export function showTime(iso: string | Date | null | undefined): string {
  if (!iso) return "—";
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return Number.isNaN(date.getTime()) ? "—" : formatLogTime(date);
}

export const KIND_LABEL: Record<string, string> = {
  startup: "Startup",
  automatic: "Automatic",
  manual: "Manual",
  pre_restore: "Before restore",
  uploaded: "Uploaded",
  external: "Copied in",
};
