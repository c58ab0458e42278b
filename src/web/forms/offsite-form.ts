import { EDITABLE_KEYS, type SettingsChange } from "../../config/settings-store.ts";
import { badForm } from "../http-errors.ts";

type Form = Record<string, string | File | (string | File)[]>;

/** The off-site settings the page edits as text (the kinds are checkboxes). */
const TEXT_KEYS = EDITABLE_KEYS.filter((key) => key.startsWith("offsite_") && key !== "offsite_kinds");

/**
 * The change the off-site form asks for. The page always sends `offsite_kinds_sent` (before the
 * checkboxes, none of which may be ticked): a post without it is not from the page, and must not
 * clear anything. An empty field means "none" (a folder, a bucket) or "as here" (how many stay).
 */
export function offsiteChangeOf(form: Form): SettingsChange {
  if (form.offsite_kinds_sent === undefined) {
    throw badForm("The off-site form was incomplete; nothing was changed. Reload the page and try again.");
  }
  const values: SettingsChange["values"] = {};
  for (const key of TEXT_KEYS) {
    const raw = form[key];
    if (typeof raw === "string") values[key] = raw.trim();
  }
  const kinds = form.offsite_kinds;
  const ticked = (Array.isArray(kinds) ? kinds : kinds === undefined ? [] : [kinds]).filter(
    (k): k is string => typeof k === "string",
  );
  values.offsite_kinds = ticked.join(",");
  return { values };
}
