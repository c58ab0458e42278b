import { formatLogTime } from "../lib/time.ts";

/** An ISO time as the log writes it: local `2025-09-22 14:30:00`; the exact time behind a friendly one. */
export function showTime(iso: string | Date | null | undefined): string {
  if (!iso) return "—";
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return Number.isNaN(date.getTime()) ? "—" : formatLogTime(date);
}
