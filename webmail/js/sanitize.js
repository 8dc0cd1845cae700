// sanitize.js - HTML mail made safe to show: DOMPurify removes scripts,
// event handlers, forms, frames, <base>, <meta>, javascript: URLs; here
// remote resources (img src/srcset, background, CSS url() and @import)
// are removed unless the user allowed them for this message, and cid:
// references are replaced by the parts' data: URLs. The result goes
// into a sandboxed iframe (no allow-scripts) whose own CSP meta forbids
// scripts, and remote loads unless allowed (defence in depth: the
// sanitizer and the CSP each suffice alone).
import DOMPurify from '../vendor/purify.es.mjs';

const REMOTE = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)\s*((?:https?:)?\/\/[^'")]*)\1\s*\)/gi;
const CSS_IMPORT = /@import[^;]*;?/gi;

const purify = DOMPurify();
let ctx = null;		// the options of the call in progress (hooks read it)

function cleanCss(css) {
	css = css.replace(CSS_IMPORT, '');
	if (ctx.allowRemote) return css;
	return css.replace(CSS_URL, () => { ctx.blocked++; return 'none'; });
}

function cid(url) {
	const m = /^\s*cid:(.*)$/i.exec(url || '');
	if (!m) return null;
	const id = decodeURIComponent(m[1]).replace(/^<|>$/g, '');
	ctx.usedCids.add(id);
	return ctx.cids.get(id) || '';
}

purify.addHook('uponSanitizeElement', (node, data) => {
	if (data.tagName === 'style' && node.textContent)
		node.textContent = cleanCss(node.textContent);
});

purify.addHook('afterSanitizeAttributes', (node) => {
	for (const attr of ['src', 'background', 'poster']) {
		if (!node.hasAttribute(attr)) continue;
		const v = node.getAttribute(attr);
		const c = cid(v);
		if (c !== null) node.setAttribute(attr, c);
		else if (REMOTE.test(v) && !ctx.allowRemote) {
			ctx.blocked++;
			node.removeAttribute(attr);
		}
	}
	if (node.hasAttribute('srcset') && !ctx.allowRemote) {
		ctx.blocked++;
		node.removeAttribute('srcset');
	}
	if (node.hasAttribute('style'))
		node.setAttribute('style', cleanCss(node.getAttribute('style')));
	if (node.tagName === 'A' && node.hasAttribute('href')) {
		node.setAttribute('target', '_blank');
		node.setAttribute('rel', 'noopener noreferrer');
	}
});

const CONFIG = {
	USE_PROFILES: {html: true},	// no SVG or MathML at all
	FORBID_TAGS: ['form', 'input', 'button', 'textarea', 'select', 'option',
		'iframe', 'frame', 'frameset', 'object', 'embed', 'link', 'meta',
		'base', 'script', 'noscript', 'template', 'portal', 'dialog'],
	FORBID_ATTR: ['action', 'formaction', 'ping', 'srcdoc'],
	ADD_ATTR: ['target'],
	ALLOW_DATA_ATTR: false,
	WHOLE_DOCUMENT: false,
	FORCE_BODY: true,
};

// -> {html (a whole document for srcdoc), blocked (remote refs removed),
//     usedCids (Set of content ids the HTML referenced)}
export function sanitizeMail(html, {allowRemote = false, cids = new Map()} = {}) {
	const r = {allowRemote, cids, blocked: 0, usedCids: new Set()};
	ctx = r;
	let body;
	try {
		body = purify.sanitize(html, CONFIG);
	} finally {
		ctx = null;
	}
	const img = allowRemote ? 'data: https: http:' : 'data:';
	const csp = `default-src 'none'; script-src 'none'; object-src 'none'; ` +
		`img-src ${img}; style-src 'unsafe-inline'; font-src data:; ` +
		`media-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'`;
	const doc = '<!DOCTYPE html><html><head><meta charset="utf-8">' +
		`<meta http-equiv="Content-Security-Policy" content="${csp}">` +
		'<meta name="referrer" content="no-referrer">' +
		'<style>body{margin:8px;font-family:system-ui,sans-serif;font-size:14px;' +
		'word-wrap:break-word;overflow-wrap:anywhere}img{max-width:100%;height:auto}' +
		'pre{white-space:pre-wrap}</style>' +
		`</head><body>${body}</body></html>`;
	return {html: doc, blocked: r.blocked, usedCids: r.usedCids};
}
