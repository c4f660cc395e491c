// An in-page accessibility pass used where axe-core is not installed: labels, accessible names,
// landmarks, one h1, heading order, duplicate ids, WCAG AA text contrast and horizontal overflow.
// Runs inside the page via page.evaluate, so it must be self-contained (no imports, no closures).
export function a11yAudit(): string[] {
  const problems: string[] = [];
  type Rgba = { r: number; g: number; b: number; a: number };
  const visible = (el: Element) => {
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  for (const el of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (!(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))) {
      problems.push(`unlabelled control: ${el.outerHTML.slice(0, 100)}`);
    }
  }
  for (const el of document.querySelectorAll<HTMLElement>('button, a[href]')) {
    if (!(el.textContent?.trim() || el.getAttribute('aria-label') || el.title)) {
      problems.push(`nameless ${el.tagName}: ${el.outerHTML.slice(0, 100)}`);
    }
  }
  const ids = new Map<string, number>();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
  for (const [id, count] of ids) if (count > 1) problems.push(`duplicate id ${id}`);
  if (document.querySelectorAll('main').length !== 1) problems.push('main landmark count is not 1');
  const h1s = document.querySelectorAll('h1').length;
  if (h1s !== 1) problems.push(`h1 count ${h1s}`);
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  const landmarks = ['HEADER', 'MAIN', 'NAV', 'FOOTER', 'SECTION', 'ASIDE'];
  for (const child of document.getElementById('root')?.children ?? []) {
    if (!landmarks.includes(child.tagName) && !child.classList.contains('skip-link')) {
      problems.push(`content outside landmarks: ${child.outerHTML.slice(0, 80)}`);
    }
  }
  let last = 0;
  for (const heading of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(heading.tagName[1]);
    if (last && level > last + 1) problems.push(`heading jumps h${last} to h${level}`);
    last = level;
  }
  const parse = (color: string): Rgba | null => {
    const match = /rgba?\(([^)]+)\)/.exec(color);
    if (!match?.[1]) return null;
    const [r = 0, g = 0, b = 0, a = 1] = match[1]
      .split(/[ ,/]+/)
      .filter(Boolean)
      .map(Number);
    return { r, g, b, a };
  };
  const channel = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c: Rgba) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const background = (el: Element): Rgba => {
    for (let node: Element | null = el; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color && color.a > 0.5) return color;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const reported = new Set<string>();
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || el.closest('[disabled]')) continue;
    const hasText = [...el.childNodes].some((node) => node.nodeType === 3 && node.textContent?.trim());
    if (!hasText) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) continue;
    const [light, dark] = [luminance(fg), luminance(background(el))].sort((x, y) => y - x) as [
      number,
      number,
    ];
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const key = `${el.className}|${style.color}`;
    if (ratio < (large ? 3 : 4.5) && !reported.has(key)) {
      reported.add(key);
      problems.push(
        `contrast ${ratio.toFixed(2)} on ${el.tagName}.${el.className}: "${el.textContent?.trim().slice(0, 30)}"`,
      );
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`horizontal overflow ${document.documentElement.scrollWidth}px > ${window.innerWidth}px`);
  }
  return problems;
}
