import type { LucideIcon } from "lucide-react";
import { createContext, createElement, useContext } from "react";

type GlyphNode = ReadonlyArray<readonly [string, Record<string, string | number>]>;

/**
 * The elements lucide draws an icon with (its paths, circles…), read from the icon component, so that `<Icon>` can
 * write them without the ~200 bytes of attributes lucide puts on every `<svg>` (the stylesheet's `.lucide` rule says
 * them once: app/tailwind.css). Undefined when lucide builds its icons some other way: the icon then renders as
 * lucide renders it, only heavier.
 */
export function glyphNode(Glyph: LucideIcon): GlyphNode | undefined {
  const node = (Glyph as unknown as { render?: (props: object, ref: null) => { props?: { icon?: { node?: unknown } } } }).render?.({}, null)?.props?.icon?.node;
  return Array.isArray(node) ? (node as GlyphNode) : undefined;
}

export const drawing = (node: GlyphNode) => node.map(([tag, attrs], i) => createElement(tag, { ...attrs, key: i }));

/** The symbols of the page's `<IconSprite>` (app/components/ui/icon-sprite.tsx), by icon. */
export const SpriteContext = createContext<ReadonlyMap<LucideIcon, string> | null>(null);

/** A decorative icon (the text next to it carries the meaning): `<Icon icon={Star} className="h-3 w-3" />`. */
export function Icon({ icon: Glyph, className }: { icon: LucideIcon; className?: string }) {
  const id = useContext(SpriteContext)?.get(Glyph);
  const node = glyphNode(Glyph);
  if (!id && !node) return <Glyph className={className} aria-hidden />;
  return (
    <svg viewBox={id ? undefined : "0 0 24 24"} className={id ? className : `lucide ${className ?? ""}`} aria-hidden>
      {id ? <use href={`#${id}`} /> : drawing(node!)}
    </svg>
  );
}
