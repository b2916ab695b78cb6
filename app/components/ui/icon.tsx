import type { LucideIcon } from "lucide-react";
import { createContext, createElement, useContext, useMemo, type ReactNode } from "react";
import { cn } from "~/lib/cn";

type GlyphNode = ReadonlyArray<readonly [string, Record<string, string | number>]>;
const nodes = new WeakMap<LucideIcon, GlyphNode | null>();

/**
 * The elements lucide draws an icon with (its paths, circles…), read from the icon component, so that `<Icon>` can
 * write them without the ~200 bytes of attributes lucide puts on every `<svg>` (the stylesheet's `.lucide` rule says
 * them once: app/tailwind.css). Null when lucide builds its icons some other way: the icon then renders as lucide
 * renders it, only heavier.
 */
function glyphNode(Glyph: LucideIcon): GlyphNode | null {
  if (!nodes.has(Glyph)) {
    const render = (Glyph as unknown as { render?: (props: object, ref: null) => { props?: { icon?: { node?: unknown } } } }).render;
    const node = typeof render === "function" ? render({}, null)?.props?.icon?.node : undefined;
    nodes.set(Glyph, Array.isArray(node) && node.every((n) => Array.isArray(n) && typeof n[0] === "string") ? (node as GlyphNode) : null);
  }
  return nodes.get(Glyph)!;
}

const drawing = (node: GlyphNode) => node.map(([tag, attrs], i) => createElement(tag, { ...attrs, key: i }));

/**
 * Icons a long table draws on every row (status badges, sort arrows), defined once per page: inside an
 * `<IconSprite>`, an `<Icon>` of one of its icons is a `<use>` of that definition (~50 bytes) instead of a copy of
 * the icon's paths (150–700 bytes). Outside one, it is the icon.
 */
const SpriteContext = createContext<ReadonlyMap<LucideIcon, string> | null>(null);

/** One sprite per page: its symbols' ids are short (they are repeated on every row) and not namespaced. */
export function IconSprite({ icons, children }: { icons: readonly LucideIcon[]; children: ReactNode }) {
  const ids = useMemo(() => new Map([...new Set(icons)].map((icon, i) => [icon, `i${i}`])), [icons]);
  return (
    <SpriteContext.Provider value={ids}>
      {/* Not display:none: some browsers then draw no <use> of its symbols. */}
      <svg className="absolute h-0 w-0 overflow-hidden" aria-hidden focusable="false">
        {[...ids].map(([Glyph, id]) => {
          const node = glyphNode(Glyph);
          return (
            <symbol key={id} id={id} viewBox="0 0 24 24">
              {node ? drawing(node) : <Glyph />}
            </symbol>
          );
        })}
      </svg>
      {children}
    </SpriteContext.Provider>
  );
}

/** A decorative icon (the text next to it carries the meaning): `<Icon icon={Star} className="h-3 w-3" />`. */
export function Icon({ icon: Glyph, className }: { icon: LucideIcon; className?: string }) {
  const id = useContext(SpriteContext)?.get(Glyph);
  if (id) {
    return (
      <svg className={className} aria-hidden>
        <use href={`#${id}`} />
      </svg>
    );
  }
  const node = glyphNode(Glyph);
  if (!node) return <Glyph className={className} aria-hidden />;
  return (
    <svg viewBox="0 0 24 24" className={cn("lucide", className)} aria-hidden>
      {drawing(node)}
    </svg>
  );
}
