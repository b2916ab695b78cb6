import type { LucideIcon } from "lucide-react";
import { useMemo, type ReactNode } from "react";
import { drawing, glyphNode, SpriteContext } from "~/components/ui/icon";

/**
 * Icons a long table draws on every row (status badges, sort arrows), defined once per page: inside an
 * `<IconSprite>`, an `<Icon>` of one of its icons is a `<use>` of that definition (~50 bytes) instead of a copy of
 * the icon's paths (150–700 bytes). Outside one, it is the icon. (Its own module: only the pages that use it load it.)
 * One sprite per page: its symbols' ids are short (they are repeated on every row) and not namespaced.
 */
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
