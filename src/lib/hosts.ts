const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * True for a name or address that always means this machine itself: `localhost`, an address of
 * 127.0.0.0/8, or `::1` (with or without brackets). A server bound to one of them is reachable
 * from this machine only.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase();
  if (name === "localhost" || name === "::1" || name === "[::1]") return true;
  const octets = IPV4.exec(name)?.slice(1).map(Number);
  return octets !== undefined && octets[0] === 127 && octets.every((n) => n <= 255);
}
