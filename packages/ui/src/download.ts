/**
 * Saving generated text as a file the browser downloads (the `.env` file of
 * a new key), without a server round trip.
 *
 * @module
 */

/** Starts the download of `text` as `file`; `root` briefly hosts the link. */
export function downloadText(root: ShadowRoot, file: string, text: string): void {
  const blob = new Blob([text], { type: 'text/plain' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  a.rel = 'noopener';
  a.style.display = 'none';
  root.appendChild(a);
  a.click();
  a.remove();
  // Late enough for the browser to start the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
