import { EXIT } from "../../app/error-codes.ts";
import { MailError } from "../../lib/smtp.ts";
import { escapeControlCharacters } from "../../lib/text.ts";
import { type FlagSpec, parseFlags, UsageError } from "../args.ts";
import type { CliContext } from "../context.ts";
import { openDataApp, reportFailure } from "../data-command.ts";
import { DATA_FLAGS } from "../wiring.ts";

export const EMAIL_FLAGS: FlagSpec[] = [
  { name: "json", help: "email test: print the result as JSON" },
  ...DATA_FLAGS,
];

/**
 * `email test [--json]`: sends a test e-mail with the current settings (flags, environment,
 * settings file) and says what happened. Exit 0 sent, 1 the mail server did not take it, 2 e-mail
 * alerts are not set up.
 */
export async function emailCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseFlags(args, EMAIL_FLAGS, 1);
  if (positionals[0] !== "test") throw new UsageError("Give what to do: email test.");
  const app = openDataApp(values, ctx);
  const json = Boolean(values.json);
  try {
    const sent = await app.email.test();
    if (json) ctx.stdout(`${JSON.stringify({ sent: true, ...sent }, null, 2)}\n`);
    else ctx.stdout(`Test e-mail sent to ${sent.to.join(", ")} through ${sent.server}.\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof MailError)) return reportFailure(ctx, "email test failed", error);
    if (json) {
      const answer = { sent: false, code: error.code, reason: error.failure, message: error.message };
      ctx.stdout(`${JSON.stringify(answer, null, 2)}\n`);
      return error.code === "mail.not_configured" ? EXIT.usage : EXIT.failed;
    }
    const text = escapeControlCharacters(error.message);
    if (error.code === "mail.not_configured") {
      ctx.stderr(
        `${text}: set smtp_host, alert_email_to and alert_email_from (and smtp_user with BUSINESS_APP_SMTP_PASSWORD) in the settings file or the environment, or on the Settings page.\n`,
      );
      return EXIT.usage;
    }
    ctx.stderr(`The test e-mail was not sent: ${text}.\n`);
    return EXIT.failed;
  }
}
