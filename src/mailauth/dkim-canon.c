/* dkim-canon.c - RFC 6376 3.4 canonicalization: header fields (simple,
 * relaxed) and the streaming body hash (simple, relaxed, l=).
 *
 * The body side holds back line ends until a later line has content,
 * so trailing empty lines (and, relaxed, lines of only WSP) vanish
 * without buffering the body. Bare CR and bare LF count as line ends,
 * as the relay sends them (smtp-client-data.c repairs them to CRLF),
 * so a signature made here survives the way out. */
#include "mailauth/dkim-private.h"

#include <ctype.h>
#include <string.h>

static bool
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

void
dkim_canon_header(struct buf *out, bool relaxed, const char *field,
		  size_t len, bool crlf)
{
	const unsigned char *p = (const unsigned char *)field;
	const unsigned char *colon = memchr(p, ':', len);
	size_t i, name_end;
	bool wsp = false, started = false;

	if (!relaxed || colon == NULL) {
		buf_append(out, field, len);
		if (crlf)
			buf_append(out, "\r\n", 2);
		return;
	}
	/* name lowercased, WSP before the colon dropped */
	name_end = (size_t)(colon - p);
	while (name_end > 0 && is_wsp(p[name_end - 1]))
		name_end--;
	for (i = 0; i < name_end; i++)
		buf_append_byte(out, (unsigned char)tolower(p[i]));
	buf_append_byte(out, ':');
	/* value unfolded, WSP runs to one SP, none at either end */
	for (i = (size_t)(colon - p) + 1; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\r' || c == '\n' || is_wsp(c)) {
			wsp = true;
			continue;
		}
		if (wsp && started)
			buf_append_byte(out, ' ');
		wsp = false;
		started = true;
		buf_append_byte(out, c);
	}
	if (crlf)
		buf_append(out, "\r\n", 2);
}

void
dkim_bh_init(struct dkim_bh *bh, bool relaxed, int64_t limit)
{
	memset(bh, 0, sizeof(*bh));
	bh->relaxed = relaxed;
	bh->limit = limit;
	bh->md = EVP_MD_CTX_new();
	if (bh->md == NULL || !EVP_DigestInit_ex(bh->md, EVP_sha256(), NULL))
		abort();
}

static void
flush(struct dkim_bh *bh)
{
	if (bh->n)
		EVP_DigestUpdate(bh->md, bh->out, bh->n);
	bh->n = 0;
}

static void
emit(struct dkim_bh *bh, unsigned char c)
{
	/* count one past the limit: "body shorter than l=" needs only
	 * total < limit, and hashing stops at limit */
	if (bh->limit >= 0 && bh->total >= (uint64_t)bh->limit) {
		if (bh->total == (uint64_t)bh->limit)
			bh->total++;
		return;
	}
	bh->total++;
	bh->out[bh->n++] = c;
	if (bh->n == sizeof(bh->out))
		flush(bh);
}

/* emit() for a run of bytes: the same limit rules, copied in bulk */
static void
emit_run(struct dkim_bh *bh, const unsigned char *p, size_t n)
{
	if (bh->limit >= 0) {
		uint64_t room = bh->total >= (uint64_t)bh->limit ? 0 :
				(uint64_t)bh->limit - bh->total;

		if (n > room) {
			emit_run(bh, p, (size_t)room);
			emit(bh, p[room]);	/* counts one past the limit */
			return;
		}
	}
	while (n > 0) {
		size_t k = sizeof(bh->out) - bh->n;

		if (k > n)
			k = n;
		memcpy(bh->out + bh->n, p, k);
		bh->n += k;
		bh->total += k;
		p += k;
		n -= k;
		if (bh->n == sizeof(bh->out))
			flush(bh);
	}
}

static void
emit_crlfs(struct dkim_bh *bh)
{
	for (; bh->crlfs > 0; bh->crlfs--) {
		if (bh->limit >= 0 && bh->total > (uint64_t)bh->limit) {
			bh->crlfs = 0;
			break;
		}
		emit(bh, '\r');
		emit(bh, '\n');
	}
}

static void
content(struct dkim_bh *bh, unsigned char c)
{
	emit_crlfs(bh);
	if (bh->wsp) {
		emit(bh, ' ');
		bh->wsp = false;
	}
	emit(bh, c);
	bh->any = true;
}

void
dkim_bh_update(struct dkim_bh *bh, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (bh->cr) {
			bh->cr = false;
			if (c == '\n')
				continue;	/* the LF of a CRLF */
		}
		if (c == '\r' || c == '\n') {
			bh->cr = c == '\r';
			bh->wsp = false;	/* trailing WSP dropped */
			bh->crlfs++;
			continue;
		}
		if (bh->relaxed && is_wsp(c)) {
			bh->wsp = true;
			continue;
		}
		if (bh->crlfs == 0 && !bh->wsp) {
			/* nothing held back: the run up to the next line end
			 * (or, relaxed, WSP, but for one SP between content
			 * bytes: it stays as it is) goes out unchanged */
			size_t j = i + 1;

			while (j < len && p[j] != '\r' && p[j] != '\n') {
				if (bh->relaxed && is_wsp(p[j]) &&
				    (p[j] != ' ' || j + 1 >= len ||
				     is_wsp(p[j + 1]) || p[j + 1] == '\r' ||
				     p[j + 1] == '\n'))
					break;
				j++;
			}
			emit_run(bh, p + i, j - i);
			bh->any = true;
			i = j - 1;
			continue;
		}
		content(bh, c);
	}
}

void
dkim_bh_final(struct dkim_bh *bh, unsigned char hash[32])
{
	unsigned int n = 32;

	if (bh->any) {
		/* the last line's end (added when the body lacks it) */
		bh->crlfs = 1;
		emit_crlfs(bh);
	} else if (!bh->relaxed) {
		/* RFC 6376 3.4.3: an empty body is one CRLF (simple);
		 * 3.4.4: nothing (relaxed) */
		bh->crlfs = 1;
		emit_crlfs(bh);
	}
	flush(bh);
	EVP_DigestFinal_ex(bh->md, hash, &n);
	dkim_bh_free(bh);
}

void
dkim_bh_free(struct dkim_bh *bh)
{
	EVP_MD_CTX_free(bh->md);
	bh->md = NULL;
}
