/**
 * Text rules shared by every input path (GraphQL arguments, console URL
 * parameters) and by the audit trail. One definition, so a name refused by
 * the API is also refused in a URL and never reaches the database.
 */

/** Longest accepted text per kind: names and keys are short, free text (messages, descriptions) up to 4 KB. */
export const TEXT_LIMITS = { name: 200, text: 4096, id: 200, search: 200 } as const;
export type TextKind = keyof typeof TEXT_LIMITS;

// C0 controls but tab/LF/CR, DEL, C1 controls, and bidirectional overrides/isolates that make text display as something else.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** What an id may look like: UUIDs, slugs and the catalog's ids; nothing that needs escaping. */
const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/;

/** Why `value` is not acceptable as `kind`, or null when it is. Free text may hold line breaks and tabs; nothing else may. */
export function textProblem(value: string, kind: TextKind): string | null {
  if (value.includes("\u0000")) return "must not contain NUL bytes";
  if (LONE_SURROGATE.test(value)) return "must be valid Unicode (it contains a lone surrogate)";
  if ((kind === "text" ? CONTROL : CONTROL_OR_BREAK).test(value)) return "must not contain control characters";
  const limit = TEXT_LIMITS[kind];
  if (value.length > limit) return `must be at most ${limit.toLocaleString("en-US")} characters (got ${value.length.toLocaleString("en-US")})`;
  if (kind === "id" && value.length > 0 && !ID_SHAPE.test(value)) return "is not a valid id";
  return null;
}

/**
 * What the audit trail stores of text a client sent (actor names, target ids,
 * details): the refusal of a bad input must itself be recordable, so NUL,
 * lone surrogates and control characters become U+FFFD and long text is cut.
 */
export function storableText(value: string, max = 500): string {
  let out = "";
  for (let i = 0; i < value.length && out.length < max; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
        continue;
      }
      out += "\ufffd";
    } else if ((c >= 0xdc00 && c <= 0xdfff) || c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += "\ufffd";
    } else {
      out += value[i];
    }
  }
  return value.length > out.length && out.length >= max ? `${out}…` : out;
}

/** storableText applied to every string in a JSON value (audit details). */
export function storableJson<T>(value: T, depth = 0): T {
  if (typeof value === "string") return storableText(value) as T;
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => storableJson(v, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k, 100), storableJson(v, depth + 1)])) as T;
}
