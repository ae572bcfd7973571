/** Client-side navigation: change the address and let the app re-render (main.ts listens). */
export const NAVIGATE_EVENT = "aidc:navigate";

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
