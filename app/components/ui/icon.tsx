import type { LucideIcon } from "lucide-react";
import { createContext, useContext, useMemo, type ReactNode } from "react";

/**
 * Icons a long table draws on every row (status badges, health cues), defined once per page: inside an
 * `<IconSprite>`, an `<Icon>` of one of its icons is a `<use>` of that definition (~80 bytes) instead of a copy of
 * the icon's paths (300–700 bytes), which is most of what a 50-row page's HTML was. Outside one, it is the icon.
 */
const SpriteContext = createContext<ReadonlySet<LucideIcon> | null>(null);

const symbolId = (icon: LucideIcon) => `i-${icon.displayName}`;

export function IconSprite({ icons, children }: { icons: readonly LucideIcon[]; children: ReactNode }) {
  const available = useMemo(() => new Set(icons), [icons]);
  return (
    <SpriteContext.Provider value={available}>
      {/* Not display:none: some browsers then draw no <use> of its symbols. */}
      <svg className="absolute h-0 w-0 overflow-hidden" aria-hidden focusable="false">
        {[...available].map((Glyph) => (
          <symbol key={symbolId(Glyph)} id={symbolId(Glyph)} viewBox="0 0 24 24">
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
  const sprite = useContext(SpriteContext);
  if (!sprite?.has(Glyph)) return <Glyph className={className} aria-hidden />;
  return (
    <svg className={className} aria-hidden>
      <use href={`#${symbolId(Glyph)}`} />
    </svg>
  );
}
