/** @jsxImportSource hono/jsx */
import type { SettingSource } from "../../config/load.ts";
import { envName, SETTING_ALLOWED, type SettingKey } from "../../config/schema.ts";

/** Why the page cannot change a setting (a flag or an environment variable sets it), or null. */
export function fixedBy(key: SettingKey, source: SettingSource): string | null {
  if (source === "flag") {
    const flag = key === "startup_backup" ? "no-startup-backup" : key.replaceAll("_", "-");
    return `set by the option --${flag} where BusinessApp is started; change it there`;
  }
  if (source === "environment") return `set by the environment variable ${envName(key)}`;
  return null;
}

/** One setting as a text field, disabled with the reason when the page cannot change it. */
export function Field(props: {
  name: SettingKey;
  label: string;
  value: string;
  sources: Record<SettingKey, SettingSource>;
}) {
  const fixed = fixedBy(props.name, props.sources[props.name]);
  const id = `setting-${props.name}`;
  return (
    <div class="form-row">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="text"
        value={props.value}
        disabled={fixed !== null}
        aria-describedby={`${id}-help`}
      />
      <p class="muted small" id={`${id}-help`}>
        {fixed ?? `Allowed: ${SETTING_ALLOWED[props.name]}.`}
      </p>
    </div>
  );
}

/**
 * One true/false setting as a checkbox, disabled with the reason when the page cannot change it.
 * A hidden "false" comes first, so an unticked box is sent too (a post without it is not from the page).
 */
export function SwitchField(props: {
  name: SettingKey;
  label: string;
  checked: boolean;
  sources: Record<SettingKey, SettingSource>;
}) {
  const fixed = fixedBy(props.name, props.sources[props.name]);
  return (
    <div class="form-row">
      <input type="hidden" name={props.name} value="false" />
      <label class="inline">
        <input
          type="checkbox"
          name={props.name}
          value="true"
          checked={props.checked}
          disabled={fixed !== null}
        />{" "}
        {props.label}
      </label>
      {fixed ? <p class="muted small">{fixed}</p> : null}
    </div>
  );
}
