import type { Context } from "hono";
import { AppError } from "../lib/errors.ts";

export class BadFormError extends AppError {
  constructor() {
    super("http.bad_form", "The form could not be read. Reload the page and try again.");
  }
}

type FormValues = Record<string, string | File | (string | File)[]>;

/**
 * The fields of a posted form. A body that is not a readable form (a broken multipart body,
 * bytes of another type) is a 400 with a sentence, never a 500.
 */
export async function readForm(c: Context, options: { all?: boolean } = {}): Promise<FormValues> {
  try {
    return (await c.req.parseBody({ all: options.all ?? false })) as FormValues;
  } catch {
    throw new BadFormError();
  }
}
