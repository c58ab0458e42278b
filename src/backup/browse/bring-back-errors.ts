import { AppError } from "../../lib/errors.ts";

export const BRING_BACK_ERROR_CODES = ["bring_back.refused", "bring_back.bad_keys"] as const;
export type BringBackErrorCode = (typeof BRING_BACK_ERROR_CODES)[number];

/**
 * Rows were not brought back, and nothing was changed: `bring_back.refused` when the live
 * database would not take them as they are (a key or a unique value taken now, a reference to a
 * row that is gone, a table that changed), `bring_back.bad_keys` for a request that names no
 * rows, too many, or keys that are not the table's. `reasons` are the sentences, one per problem.
 */
export class BringBackError extends AppError<BringBackErrorCode> {
  readonly reasons: string[];

  constructor(code: BringBackErrorCode, reasons: string[]) {
    const shown = reasons.slice(0, 5);
    const more = reasons.length > shown.length ? ` (and ${reasons.length - shown.length} more)` : "";
    super(code, `Nothing was put back: ${shown.join("; ")}${more}.`);
    this.reasons = reasons;
  }
}
