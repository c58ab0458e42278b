import { spawn } from "node:child_process";
import { opendir, stat, statfs } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";

/** A drive or mounted disk the folder chooser offers. */
export interface Drive {
  path: string;
  /** The name to show: the volume's label where the system gives one, else the path. */
  label: string;
  removable: boolean;
  /** Free bytes, or null when the disk cannot say (no medium, no right to look). */
  freeBytes: number | null;
}

/** A folder's subfolders, as the chooser shows them. */
export interface FolderListing {
  path: string;
  parent: string | null;
  folders: string[];
  /** More subfolders than are shown. */
  more: boolean;
  freeBytes: number | null;
}

/** The chooser shows at most this many subfolders of one folder. */
const MAX_FOLDERS = 300;
/** A folder's entries read at most, and for at most this long (a slow network drive, a folder of millions). */
const MAX_ENTRIES = 20_000;
const LIST_MS = 3_000;
/** How long the system may take to name the drives (PowerShell starts in a second or two). */
const DRIVE_QUERY_MS = 8_000;
/** The drives found are shown again for this long without asking the system again. */
const DRIVES_FRESH_MS = 30_000;
/** Where Linux and macOS mount removable disks: each one's folders (`/media/usb`) and their users' (`/media/anna/USB`). */
const MOUNT_ROOTS = ["/media", "/run/media", "/mnt", "/Volumes"];

/** `promise`, or `fallback` once `ms` have passed (the work itself goes on, its answer unused). */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((done) => {
    timer = setTimeout(() => done(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

function freeBytesOf(path: string): Promise<number | null> {
  return within(
    statfs(path).then((stats) => Number(stats.bavail) * Number(stats.bsize)),
    LIST_MS,
    null,
  );
}

/**
 * The visible subfolders of `path`, sorted (at most `MAX_FOLDERS`, `more` when there were others),
 * from at most `MAX_ENTRIES` entries read within `LIST_MS`; null when it cannot be read.
 */
async function readFolders(path: string): Promise<{ names: string[]; more: boolean } | null> {
  const names: string[] = [];
  let more = false;
  const reading = (async () => {
    const dir = await opendir(path);
    const deadline = Date.now() + LIST_MS;
    let seen = 0;
    try {
      for await (const entry of dir) {
        if (++seen > MAX_ENTRIES || Date.now() > deadline) {
          more = true;
          break;
        }
        if (entry.isDirectory() && !entry.name.startsWith(".") && !entry.name.startsWith("$"))
          names.push(entry.name);
      }
    } finally {
      await dir.close().catch(() => {});
    }
    return true;
  })();
  if (!(await within(reading, LIST_MS + 500, false))) return null;
  names.sort((a, b) => a.localeCompare(b));
  return { names: names.slice(0, MAX_FOLDERS), more: more || names.length > MAX_FOLDERS };
}

const subfolders = async (path: string) => (await readFolders(path))?.names ?? [];

async function sameDisk(a: string, b: string): Promise<boolean> {
  try {
    return (await stat(a)).dev === (await stat(b)).dev;
  } catch {
    return false;
  }
}

/** True when both folders are on one disk (a copy there goes with the data when the disk breaks). */
export const onSameDisk = sameDisk;

/** The standard output of a program, or null when it is missing, fails or takes longer than `ms`. */
function outputOf(command: string, args: string[], ms: number): Promise<string | null> {
  return new Promise((done) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"], windowsHide: true });
    } catch {
      done(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      child.kill();
      done(null);
    }, ms);
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    child.on("error", () => {
      clearTimeout(timer);
      done(null);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done(code === 0 ? Buffer.concat(chunks).toString("utf8") : null);
    });
  });
}

interface LogicalDisk {
  DeviceID?: unknown;
  DriveType?: unknown;
  VolumeName?: unknown;
  FreeSpace?: unknown;
}

/** Windows: the drives as the system describes them (type 2 is removable), or null when it cannot say. */
async function windowsDrives(): Promise<Drive[] | null> {
  const text = await outputOf(
    "powershell.exe",
    [
      "-NoProfile",
      "-NonInteractive",
      "-Command",
      "Get-CimInstance Win32_LogicalDisk | Select-Object DeviceID,DriveType,VolumeName,FreeSpace | ConvertTo-Json -Compress",
    ],
    DRIVE_QUERY_MS,
  );
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const disks = (Array.isArray(parsed) ? parsed : [parsed]) as LogicalDisk[];
  const drives: Drive[] = [];
  for (const disk of disks.slice(0, 26)) {
    if (typeof disk?.DeviceID !== "string" || !/^[A-Z]:$/.test(disk.DeviceID)) continue;
    const path = `${disk.DeviceID}\\`;
    const label = typeof disk.VolumeName === "string" && disk.VolumeName ? disk.VolumeName.slice(0, 64) : "";
    drives.push({
      path,
      label: label ? `${label} (${disk.DeviceID})` : disk.DeviceID,
      removable: disk.DriveType === 2,
      freeBytes: typeof disk.FreeSpace === "number" ? disk.FreeSpace : null,
    });
  }
  return drives;
}

/** Windows without PowerShell: the drive letters that answer, all asked at once (each bounded). */
async function driveLetters(): Promise<Drive[]> {
  const letters = [..."CDEFGHIJKLMNOPQRSTUVWXYZ"];
  const free = await Promise.all(letters.map((letter) => freeBytesOf(`${letter}:\\`)));
  return letters.flatMap((letter, i) => {
    const freeBytes = free[i] ?? null;
    return freeBytes === null
      ? []
      : [{ path: `${letter}:\\`, label: `${letter}:`, removable: false, freeBytes }];
  });
}

let cached: { key: string; at: number; drives: Promise<Drive[]> } | null = null;

/**
 * The drives a copy could go to: on Windows every drive with its label, whether it is removable
 * and its free space; elsewhere the disks mounted under /media, /run/media, /mnt and /Volumes.
 * Removable ones first, 50 at most. Never waits longer than a few seconds, and asks the system at
 * most every 30 s (every page of the set-up guide shows them).
 */
export function listDrives(
  platform: string = process.platform,
  mountRoots: readonly string[] = MOUNT_ROOTS,
): Promise<Drive[]> {
  const key = `${platform}\0${mountRoots.join("\0")}`;
  const now = Date.now();
  if (cached?.key === key && now - cached.at < DRIVES_FRESH_MS) return cached.drives;
  const drives = findDrives(platform, mountRoots);
  cached = { key, at: now, drives };
  return drives;
}

async function findDrives(platform: string, mountRoots: readonly string[]): Promise<Drive[]> {
  let drives: Drive[];
  if (platform === "win32") drives = (await windowsDrives()) ?? (await driveLetters());
  else {
    const paths: [string, boolean][] = [];
    for (const root of mountRoots) {
      for (const name of await subfolders(root)) {
        const path = join(root, name);
        // /media/anna/USB: a user's folder (on the same disk as /media) holds the disks themselves.
        const userFolder = /[\\/]media$/.test(root) && (await sameDisk(path, root));
        const disks = userFolder ? (await subfolders(path)).map((n) => join(path, n)) : [path];
        for (const disk of disks) if (paths.length < 50) paths.push([disk, !/[\\/]mnt$/.test(root)]);
      }
    }
    drives = await Promise.all(
      paths.map(async ([path, removable]) => ({
        path,
        label: basename(path),
        removable,
        freeBytes: await freeBytesOf(path),
      })),
    );
  }
  return drives.sort((a, b) => Number(b.removable) - Number(a.removable));
}

/** A network path (`\\\\server\\share`): the chooser never opens one itself (a page must not make the PC reach out to a server). */
const isNetworkPath = (path: string) => /^[\\/]{2}/.test(path);

/**
 * The subfolders of `path` (an absolute path on this PC), at most `MAX_FOLDERS`; null when it is not
 * a folder that can be read, or a network path (typed into the guide, such a folder is still tested and used).
 */
export async function listFolder(path: string): Promise<FolderListing | null> {
  if (!isAbsolute(path) || isNetworkPath(path)) return null;
  const full = resolve(path);
  const read = await readFolders(full);
  if (read === null) return null;
  const parent = dirname(full);
  return {
    path: full,
    parent: parent === full ? null : parent,
    folders: read.names,
    more: read.more,
    freeBytes: await freeBytesOf(full),
  };
}
