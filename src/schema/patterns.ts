/**
 * Patterns shared by the schema and the checks that explain its errors. Kept apart from the TypeBox
 * definitions so that a build, which validates with cached standalone code, never loads TypeBox.
 */

/** Hosts, tenants, sites: letters, digits, `-_.`; never anything a shell or config parser treats specially. */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
/** Interface and namespace names: as above; the 15-byte limit is a semantic check (NG3003) with a better message. */
export const IFNAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
/** Free text: one line, no control characters. Quoting per target happens at render time. */
export const TEXT_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
