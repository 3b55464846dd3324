/**
 * Copying text to the clipboard from inside a shadow root, with the old
 * `execCommand('copy')` path for browsers or contexts (plain http, some
 * iframes) without the async clipboard.
 *
 * @module
 */

/** Copies `text`; resolves with whether it worked. `root` hosts the fallback's hidden text area. */
export async function copyText(text: string, root: ShadowRoot): Promise<boolean> {
  try {
    if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyFallback(text, root);
  }
}

function copyFallback(text: string, root: ShadowRoot): boolean {
  const active = root.activeElement as HTMLElement | null;
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  root.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  active?.focus();
  return ok;
}
