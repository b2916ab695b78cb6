import type { LucideIcon } from "lucide-react";
import { createContext, useContext, useMemo, type ReactNode } from "react";

/**
 * Icons a long table draws on every row (status badges, health cues), defined once per page: inside an
 * `<IconSprite>`, an `<Icon>` of one of its icons is a `<use>` of that definition (~80 bytes) instead of a copy of
 * the icon's paths (300–700 bytes), which is most of what a 50-row page's HTML was. Outside one, it is the icon.
 */
const SpriteContext = createContext<ReadonlyMap<LucideIcon, string> | null>(null);

/** One sprite per page: its symbols' ids are short (they are repeated on every row) and not namespaced. */
export function IconSprite({ icons, children }: { icons: readonly LucideIcon[]; children: ReactNode }) {
  const ids = useMemo(() => new Map([...new Set(icons)].map((icon, i) => [icon, `i${i}`])), [icons]);
  return (
    <SpriteContext.Provider value={ids}>
      {/* Not display:none: some browsers then draw no <use> of its symbols. */}
      <svg className="absolute h-0 w-0 overflow-hidden" aria-hidden focusable="false">
        {[...ids].map(([Glyph, id]) => (
          <symbol key={id} id={id} viewBox="0 0 24 24">
            <Glyph />
          </symbol>
        ))}
      </svg>
      {children}
    </SpriteContext.Provider>
  );
}

/** A decorative icon (the text next to it carries the meaning): `<Icon icon={Star} className="h-3 w-3" />`. */
export function Icon({ icon: Glyph, className }: { icon: LucideIcon; className?: string }) {
  const id = useContext(SpriteContext)?.get(Glyph);
  if (!id) return <Glyph className={className} aria-hidden />;
  return (
    <svg className={className} aria-hidden>
      <use href={`#${id}`} />
    </svg>
  );
}
