import { hasControlCharacters } from "../../lib/text.ts";
import { InvalidDescriptionError } from "../errors.ts";
import { MAX_DESCRIPTION_LENGTH } from "./names.ts";

/**
 * Why `description` cannot describe a backup, as a sentence, or null when it can: at most
 * `MAX_DESCRIPTION_LENGTH` characters, and no control characters (line breaks, tabs, escape
 * sequences, bidirectional overrides), which would break the list, a terminal table or a log line.
 * The one rule, used by the engine, the web form and the command line.
 */
export function descriptionProblem(description: string): string | null {
  if ([...description].length > MAX_DESCRIPTION_LENGTH) {
    return `The description may have at most ${MAX_DESCRIPTION_LENGTH} characters.`;
  }
  if (hasControlCharacters(description)) {
    return "The description may not contain control characters such as line breaks or tabs.";
  }
  return null;
}

/** Throws `InvalidDescriptionError` with the sentence of `descriptionProblem` when there is one. */
export function assertValidDescription(description: string): void {
  const problem = descriptionProblem(description);
  if (problem) throw new InvalidDescriptionError(problem);
}
