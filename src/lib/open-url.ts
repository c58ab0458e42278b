import { spawn } from "node:child_process";

/** The program that opens a URL in the default browser, per system. */
function openerOf(platform: string, url: string): string[] {
  // rundll32, not `start`: `start` misreads a URL with a space, and needs a shell.
  if (platform === "win32") return ["rundll32.exe", "url.dll,FileProtocolHandler", url];
  if (platform === "darwin") return ["open", url];
  return ["xdg-open", url];
}

/**
 * Asks the system to open `url` in the default browser, without waiting for it. Resolves false
 * (never throws) when no opener could be started: the address is in the console anyway.
 */
export function openInBrowser(url: string, platform: string = process.platform): Promise<boolean> {
  const [command, ...args] = openerOf(platform, url) as [string, ...string[]];
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: "ignore", windowsHide: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
