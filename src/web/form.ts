import type { Context } from "hono";
import { badForm, badJson } from "./http-errors.ts";

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
