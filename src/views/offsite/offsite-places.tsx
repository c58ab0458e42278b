/** @jsxImportSource hono/jsx */
import type { BackupKind, ManifestRecord } from "../../backup/index.ts";
import type { CopyPlace } from "../../offsite/status.ts";
import { Time } from "../layout/when.tsx";

/** Off-site copies as the backup list shows them. */
export interface OffsiteRows {
  /** Where each backup has copies, by name. */
  places: Map<string, CopyPlace[]>;
  /** The backups that are only off-site (no file here). */
  only: Set<string>;
  /** Whether backups of a kind are copied off-site at all (safety backups are not, by default). */
  copied: (kind: BackupKind) => boolean;
}

/** What each place is called in a sentence. */
export const PLACE_WORD = { mirror: "mirror folder", s3: "S3" } as const;

/** "Here · mirror folder Today 14:02 · S3 Today 14:03 (encrypted)": where one backup lives. */
export function Places(props: { record: ManifestRecord; offsite: OffsiteRows; now: Date }) {
  const places = props.offsite.places.get(props.record.name) ?? [];
  const only = props.offsite.only.has(props.record.name);
  return (
    <span class="places">
      {only
        ? "Only off-site"
        : places.length
          ? "Here"
          : props.offsite.copied(props.record.kind)
            ? "Here only, no off-site copy yet"
            : "Here only, not copied off-site"}
      {places.map((p) => (
        <>
          {" · "}
          {PLACE_WORD[p.target]} <Time at={p.copiedAt} now={props.now} />
          {p.encrypted ? " (encrypted)" : ""}
        </>
      ))}
    </span>
  );
}
