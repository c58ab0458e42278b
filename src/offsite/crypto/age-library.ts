/**
 * age's own library (typage), loaded at its first use: only encrypted copies need it, and loaded
 * with the app it took 40–80 ms of every start under `deno run` (a start's first answer 320–350 ms
 * against 210–260 ms without it).
 */
export function ageLibrary() {
  return import("age-encryption");
}
