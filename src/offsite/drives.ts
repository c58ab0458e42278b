import { spawn } from "node:child_process";
import { readdirSync, statfsSync, statSync } from "node:fs";
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
/** How long the system may take to name the drives (PowerShell starts in a second or two). */
const DRIVE_QUERY_MS = 8_000;
/** Where Linux and macOS mount removable disks: each one's folders (`/media/usb`) and their users' (`/media/anna/USB`). */
const MOUNT_ROOTS = ["/media", "/run/media", "/mnt", "/Volumes"];

function freeBytesOf(path: string): number | null {
  try {
    const stats = statfsSync(path);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return null;
  }
}

/** The visible subfolders of `path`, sorted; null when it cannot be read. */
function readFolders(path: string): string[] | null {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !e.name.startsWith("$"))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
  } catch {
    return null;
  }
}

const subfolders = (path: string) => readFolders(path) ?? [];

function sameDisk(a: string, b: string): boolean {
  try {
    return statSync(a).dev === statSync(b).dev;
  } catch {
    return false;
  }
}

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

/** Windows without PowerShell: the drive letters that answer. */
function driveLetters(): Drive[] {
  const drives: Drive[] = [];
  for (const letter of "CDEFGHIJKLMNOPQRSTUVWXYZ") {
    const path = `${letter}:\\`;
    const freeBytes = freeBytesOf(path);
    if (freeBytes !== null) drives.push({ path, label: `${letter}:`, removable: false, freeBytes });
  }
  return drives;
}

/**
 * The drives a copy could go to: on Windows every drive with its label, whether it is removable
 * and its free space; elsewhere the disks mounted under /media, /run/media, /mnt and /Volumes.
 * Removable ones first. Never waits longer than a few seconds.
 */
export async function listDrives(
  platform: string = process.platform,
  mountRoots: readonly string[] = MOUNT_ROOTS,
): Promise<Drive[]> {
  let drives: Drive[];
  if (platform === "win32") drives = (await windowsDrives()) ?? driveLetters();
  else {
    drives = [];
    for (const root of mountRoots) {
      for (const name of subfolders(root)) {
        const path = join(root, name);
        // /media/anna/USB: a user's folder (on the same disk as /media) holds the disks themselves.
        const userFolder = /[\\/]media$/.test(root) && sameDisk(path, root);
        const disks = userFolder ? subfolders(path).map((n) => join(path, n)) : [path];
        for (const disk of disks) {
          if (drives.length >= 50) break;
          drives.push({
            path: disk,
            label: basename(disk),
            removable: !/[\\/]mnt$/.test(root),
            freeBytes: freeBytesOf(disk),
          });
        }
      }
    }
  }
  return drives.sort((a, b) => Number(b.removable) - Number(a.removable));
}

/** The subfolders of `path` (an absolute path), at most `MAX_FOLDERS`; null when it is not a folder that can be read. */
export function listFolder(path: string): FolderListing | null {
  if (!isAbsolute(path)) return null;
  const full = resolve(path);
  const names = readFolders(full);
  if (names === null) return null;
  const parent = dirname(full);
  return {
    path: full,
    parent: parent === full ? null : parent,
    folders: names.slice(0, MAX_FOLDERS),
    more: names.length > MAX_FOLDERS,
    freeBytes: freeBytesOf(full),
  };
}
