// compose-ui.js - the small DOM helpers of the compose and settings views:
// element building (no innerHTML: nothing the user or a mail says is
// ever parsed as markup), the stylesheet, and a passing notice.

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

// compose.css, once, by a <link> (the CSP allows 'self' styles only)
export function useStyles() {
  if (document.querySelector('link[data-compose-css]')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: new URL('../css/compose.css', import.meta.url).href, 'data-compose-css': true }));
}

export function toast(message, isError = false) {
  useStyles();
  const t = el('div', { class: 'compose-toast' + (isError ? ' error' : ''), role: 'status', text: message });
  document.body.append(t);
  setTimeout(() => t.remove(), isError ? 8000 : 4000);
}
