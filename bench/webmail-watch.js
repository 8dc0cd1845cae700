// webmail-watch.js - injected by bench/webmail-bench.py into every page
// the bench's browser loads (CDP Page.addScriptToEvaluateOnNewDocument),
// so the times are taken inside the browser, not by WebDriver polls.
// BENCH_CFG is replaced by {rows, n, frame, body, marker}.
//
// The bench arms a step ('list' or 'open') in sessionStorage, then
// clicks. The click's pointerdown records the start; a check on every
// animation frame (right before paint) records the end once the step's
// condition holds: n list rows, or the marker text in the reader's frame.
// sessionStorage outlives a navigation in the tab (Roundcube's login is
// a form POST and a new page) and both webmails stay on one origin.
(() => {
	if (window.top !== window) return;
	const cfg = BENCH_CFG;
	const ss = window.sessionStorage;
	const now = () => performance.timeOrigin + performance.now();

	const done = (step) => {
		const body = (f) => {
			if (!f.getClientRects().length) return false;
			const d = f.contentDocument;
			const el = d && d.querySelector(cfg.body);
			return el && el.innerText.includes(cfg.marker);
		};
		if (step === 'list')
			return document.querySelectorAll(cfg.rows).length >= cfg.n;
		return [...document.querySelectorAll(cfg.frame)].some(body);
	};

	const tick = () => {
		const step = ss.getItem('bench-pending');
		if (!step) return;
		let ok = false;
		try { ok = done(step); } catch (e) { /* a frame mid-navigation */ }
		if (ok) {
			ss.setItem('bench-end-' + step, String(now()));
			ss.removeItem('bench-pending');
			return;
		}
		requestAnimationFrame(tick);
	};

	window.addEventListener('pointerdown', () => {
		const step = ss.getItem('bench-arm');
		if (!step) return;
		ss.removeItem('bench-arm');
		ss.setItem('bench-start-' + step, String(now()));
		ss.setItem('bench-pending', step);
		requestAnimationFrame(tick);
	}, true);
	requestAnimationFrame(tick);
})();
