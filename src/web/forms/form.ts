import type { Context } from "hono";
import { parseMoment } from "../../lib/time.ts";
import { badForm, badInput, badJson } from "../http-errors.ts";

type FormValues = Record<string, string | File | (string | File)[]>;

/**
 * The fields of a posted form. A body that is not a readable form (a broken multipart body,
 * bytes of another type) is a 400 with a sentence, never a 500.
 */
export async function readForm(c: Context, options: { all?: boolean } = {}): Promise<FormValues> {
  try {
    return (await c.req.parseBody({ all: options.all ?? false })) as FormValues;
  } catch {
    throw badForm();
  }
}

/** A form field as text: "" when it is missing or a file. */
export function textField(form: FormValues, name: string): string {
  const value = form[name];
  return typeof value === "string" ? value : "";
}

/** A JSON body; an empty body is `{}`. Anything else that is not JSON is a 400 naming `example`. */
export async function readJson(c: Context, example: string): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) ?? {};
  } catch {
    throw badJson(`Send JSON such as ${example}.`);
  }
}

/**
 * A moment a person chose (`at`: ISO 8601, or local time `YYYY-MM-DDTHH:MM[:SS]` as a
 * `datetime-local` field sends it); a 400 with the accepted forms otherwise.
 */
export function momentField(value: unknown): Date {
  const at = typeof value === "string" ? parseMoment(value, new Date()) : null;
  if (!at)
    throw badInput(
      "Choose a date and time: ISO 8601 such as 2026-12-06T14:05:00Z, or local time as 2026-12-06T14:05:00.",
    );
  return at;
}
