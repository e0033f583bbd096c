/**
 * Quoting for every target syntax. Inventory values are validated before they get here; quoting is
 * the second wall, so that a value that slipped through still cannot become code.
 */

/** A POSIX shell word: single quotes, with embedded quotes closed and reopened. */
export function shellWord(value: unknown): string {
  const s = String(value ?? '');
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Removes control characters that no single-line config format can carry. */
export function oneLine(value: unknown): string {
  return String(value ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** A systemd unit value: one line, no trailing backslash (line continuation), no leading/trailing space. */
export function unitValue(value: unknown): string {
  return oneLine(value).replace(/\\+$/, '').trim();
}

/** An nft quoted string ("..."): nft has no escape for the double quote, so it is replaced; at most 127 bytes. */
export function nftString(value: unknown): string {
  let s = oneLine(value).replace(/["\\]/g, "'");
  while (Buffer.byteLength(s) > 127) s = s.slice(0, -1);
  return `"${s}"`;
}

/** FRR description/free text: one line; FRR reads the rest of the line literally. `!` starts no comment mid-line. */
export function frrText(value: unknown): string {
  return oneLine(value).trim();
}

/** A VyOS configuration value in single quotes (the vbash word the `set` command receives). */
export function vyosValue(value: unknown): string {
  const s = oneLine(value);
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A comment line for any '#'-comment format. */
export function commentText(value: unknown): string {
  return oneLine(value);
}
