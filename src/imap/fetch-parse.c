/* fetch-parse.c - FETCH item arguments: macros, simple items, and
 * BODY[section]<partial> with every section form of RFC 9051 6.4.5 */
#include "imap/imap-fetch.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct fetch_item *
fetch_add(struct fetch_items *fi, enum fetch_kind kind)
{
	struct fetch_item *it;

	fi->v = xrealloc(fi->v, (fi->n + 1) * sizeof(*fi->v));
	it = &fi->v[fi->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	switch (kind) {
	case FETCH_FLAGS:
		fi->want_flags = true;
		fi->store_fields |= STORE_MSG_KEYWORDS;
		break;
	case FETCH_UID:
		fi->want_uid = true;
		break;
	case FETCH_MODSEQ:
		fi->want_modseq = true;
		break;
	case FETCH_ENVELOPE:
	case FETCH_BODY:
	case FETCH_BODYSTRUCTURE:
	case FETCH_BINARY_SIZE:
	case FETCH_PREVIEW:
		fi->store_fields |= STORE_MSG_FETCH;
		break;
	case FETCH_THREADID:
		/* the Message-ID, In-Reply-To and References fields */
		fi->store_fields |= STORE_MSG_PARSE | STORE_MSG_OBJECTID;
		break;
	case FETCH_EMAILID:
		fi->store_fields |= STORE_MSG_OBJECTID;
		break;
	default:
		break;
	}
	return it;
}

/* "(A "B" C)" into names: the names without quotes, NUL-separated */
static bool
fetch_parse_fields(struct fetch_item *it, const char *p, const char **end)
{
	struct buf b = BUF_INIT;
	size_t offs[256], n = 0, i;

	if (*p++ != '(')
		return false;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (n == 256)
			goto fail;
		offs[n++] = b.len;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				buf_append_byte(&b, (unsigned char)*p);
			}
			if (*p++ != '"')
				goto fail;
		} else {
			const char *s = p;

			while (*p && *p != ' ' && *p != ')' && *p != '(' &&
			       *p != ']' && *p != '"')
				p++;
			if (p == s)
				goto fail;
			buf_append(&b, s, (size_t)(p - s));
		}
		buf_append_byte(&b, '\0');
	}
	if (n == 0)
		goto fail;
	*end = p + 1;
	it->names = (char *)b.data;
	it->fields = xcalloc(n, sizeof(*it->fields));
	for (i = 0; i < n; i++)
		it->fields[i] = slice_from_cstr(it->names + offs[i]);
	it->n_fields = n;
	return true;
fail:
	buf_free(&b);
	return false;
}

static bool
fetch_atom_safe(struct slice s)
{
	size_t i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++) {
		unsigned char c = s.p[i];

		if (c <= ' ' || c >= 0x7f || strchr("()[]{}\"%*\\", c))
			return false;
	}
	return true;
}

static bool
fetch_parse_section(struct fetch_items *fi, const char *s, bool peek,
		    const char *prefix)
{
	bool binary = strncmp(prefix, "BINARY", 6) == 0;
	struct fetch_item *it = fetch_add(fi, strcmp(prefix, "BINARY.SIZE") ?
					  FETCH_SECTION : FETCH_BINARY_SIZE);
	const char *p = s;
	struct buf label = BUF_INIT;
	size_t i;

	it->peek = peek;
	while (isdigit((unsigned char)*p)) {
		uint64_t v = 0;

		if (*p == '0' || it->depth == FETCH_MAX_DEPTH)
			goto fail;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v > 0xffffffffULL)
				goto fail;
		}
		it->path[it->depth++] = (uint32_t)v;
		if (*p != '.')
			break;
		p++;
		if (!isdigit((unsigned char)*p) && *p != ']') {
			/* "1.HEADER": a part name follows */
			break;
		}
		if (*p == ']')
			goto fail;	/* "1.]" */
	}
	if (*p == ']') {
		it->part = FETCH_PART_ALL;
	} else if (strncasecmp(p, "HEADER.FIELDS.NOT", 17) == 0 &&
		   p[17] == ' ') {
		it->part = FETCH_PART_FIELDS_NOT;
		p += 18;
		if (!fetch_parse_fields(it, p, &p))
			goto fail;
	} else if (strncasecmp(p, "HEADER.FIELDS", 13) == 0 && p[13] == ' ') {
		it->part = FETCH_PART_FIELDS;
		p += 14;
		if (!fetch_parse_fields(it, p, &p))
			goto fail;
	} else if (strncasecmp(p, "HEADER", 6) == 0 && p[6] == ']') {
		it->part = FETCH_PART_HEADER;
		p += 6;
	} else if (strncasecmp(p, "TEXT", 4) == 0 && p[4] == ']') {
		it->part = FETCH_PART_TEXT;
		p += 4;
	} else if (strncasecmp(p, "MIME", 4) == 0 && p[4] == ']' &&
		   it->depth > 0) {
		it->part = FETCH_PART_MIME;
		p += 4;
	} else {
		goto fail;
	}
	if (*p++ != ']')
		goto fail;
	/* BINARY takes part numbers only; BINARY.SIZE no partial */
	it->binary = binary;
	if (binary && it->part != FETCH_PART_ALL)
		goto fail;
	if (*p == '<' && it->kind != FETCH_BINARY_SIZE) {
		char *e;

		p++;
		if (!isdigit((unsigned char)*p))
			goto fail;
		it->p_off = strtoull(p, &e, 10);
		if (*e != '.' || !isdigit((unsigned char)e[1]))
			goto fail;
		it->p_len = strtoull(e + 1, &e, 10);
		if (*e != '>' || e[1] != '\0' || it->p_len == 0)
			goto fail;
		it->partial = true;
		p = e + 1;
	}
	if (*p != '\0')
		goto fail;
	/* the response name: BODY[section]<origin> */
	buf_append_str(&label, prefix);
	buf_append_byte(&label, '[');
	for (i = 0; i < it->depth; i++)
		buf_printf(&label, "%s%u", i ? "." : "", it->path[i]);
	if (it->part != FETCH_PART_ALL && it->depth > 0)
		buf_append_byte(&label, '.');
	switch (it->part) {
	case FETCH_PART_ALL:
		break;
	case FETCH_PART_HEADER:
		buf_append_str(&label, "HEADER");
		break;
	case FETCH_PART_TEXT:
		buf_append_str(&label, "TEXT");
		break;
	case FETCH_PART_MIME:
		buf_append_str(&label, "MIME");
		break;
	case FETCH_PART_FIELDS:
	case FETCH_PART_FIELDS_NOT:
		buf_append_str(&label, it->part == FETCH_PART_FIELDS ?
			       "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (");
		for (i = 0; i < it->n_fields; i++) {
			if (i)
				buf_append_byte(&label, ' ');
			if (fetch_atom_safe(it->fields[i]))
				buf_append_slice(&label, it->fields[i]);
			else
				imap_append_astring(&label, (const char *)
						    it->fields[i].p,
						    it->fields[i].len);
		}
		buf_append_byte(&label, ')');
		break;
	}
	buf_append_byte(&label, ']');
	if (it->partial)
		buf_printf(&label, "<%llu>", (unsigned long long)it->p_off);
	it->label = buf_steal(&label);
	if (!peek)
		fi->sets_seen = true;
	return true;
fail:
	buf_free(&label);
	return false;
}

/* PREVIEW's modifiers (RFC 8970 3): "(LAZY)"; a is the list */
static bool
fetch_parse_preview_mods(struct fetch_item *it, const struct imap_arg *a)
{
	if (a->len == 0)
		return false;
	for (a = a->u.list; a->type != IMAP_ARG_EOL; a++) {
		if (!imap_arg_atom_eq(a, "LAZY"))
			return false;
		it->lazy = true;
	}
	return true;
}

/* one item at *ap; PREVIEW may take the list after it (moves *ap) */
static bool
fetch_parse_one(struct fetch_items *fi, const struct imap_arg **ap)
{
	const struct imap_arg *a = *ap;
	const char *s;
	struct fetch_item *it;

	if (a->type != IMAP_ARG_ATOM)
		return false;
	s = a->u.str;
	if (strcasecmp(s, "FLAGS") == 0)
		fetch_add(fi, FETCH_FLAGS);
	else if (strcasecmp(s, "INTERNALDATE") == 0)
		fetch_add(fi, FETCH_INTERNALDATE);
	else if (strcasecmp(s, "RFC822.SIZE") == 0)
		fetch_add(fi, FETCH_SIZE);
	else if (strcasecmp(s, "ENVELOPE") == 0)
		fetch_add(fi, FETCH_ENVELOPE);
	else if (strcasecmp(s, "BODY") == 0)
		fetch_add(fi, FETCH_BODY);
	else if (strcasecmp(s, "BODYSTRUCTURE") == 0)
		fetch_add(fi, FETCH_BODYSTRUCTURE);
	else if (strcasecmp(s, "UID") == 0)
		fetch_add(fi, FETCH_UID);
	else if (strcasecmp(s, "MODSEQ") == 0)
		fetch_add(fi, FETCH_MODSEQ);
	else if (strcasecmp(s, "PREVIEW") == 0) {
		it = fetch_add(fi, FETCH_PREVIEW);
		/* a list after it that starts with LAZY is its own (at
		 * the top level, a list of anything else is the FETCH
		 * modifiers) */
		if (a[1].type == IMAP_ARG_LIST && a[1].len > 0 &&
		    imap_arg_atom_eq(a[1].u.list, "LAZY")) {
			if (!fetch_parse_preview_mods(it, &a[1]))
				return false;
			(*ap)++;
		}
	}
	else if (strcasecmp(s, "SAVEDATE") == 0)
		fetch_add(fi, FETCH_SAVEDATE);
	else if (strcasecmp(s, "EMAILID") == 0)
		fetch_add(fi, FETCH_EMAILID);
	else if (strcasecmp(s, "THREADID") == 0)
		fetch_add(fi, FETCH_THREADID);
	else if (strcasecmp(s, "RFC822") == 0) {
		if (!fetch_parse_section(fi, "]", false, "BODY"))
			return false;
		it = &fi->v[fi->n - 1];
		free(it->label);
		it->label = xstrdup("RFC822");
	} else if (strcasecmp(s, "RFC822.HEADER") == 0) {
		if (!fetch_parse_section(fi, "HEADER]", true, "BODY"))
			return false;
		it = &fi->v[fi->n - 1];
		free(it->label);
		it->label = xstrdup("RFC822.HEADER");
	} else if (strcasecmp(s, "RFC822.TEXT") == 0) {
		if (!fetch_parse_section(fi, "TEXT]", false, "BODY"))
			return false;
		it = &fi->v[fi->n - 1];
		free(it->label);
		it->label = xstrdup("RFC822.TEXT");
	} else if (strncasecmp(s, "BODY[", 5) == 0)
		return fetch_parse_section(fi, s + 5, false, "BODY");
	else if (strncasecmp(s, "BODY.PEEK[", 10) == 0)
		return fetch_parse_section(fi, s + 10, true, "BODY");
	else if (strncasecmp(s, "BINARY[", 7) == 0)
		return fetch_parse_section(fi, s + 7, false, "BINARY");
	else if (strncasecmp(s, "BINARY.PEEK[", 12) == 0)
		return fetch_parse_section(fi, s + 12, true, "BINARY");
	else if (strncasecmp(s, "BINARY.SIZE[", 12) == 0)
		return fetch_parse_section(fi, s + 12, true, "BINARY.SIZE");
	else
		return false;
	return true;
}

bool
fetch_section_is_header(const struct fetch_item *it)
{
	return it->kind == FETCH_SECTION && it->depth == 0 &&
	       (it->part == FETCH_PART_HEADER ||
		it->part == FETCH_PART_FIELDS ||
		it->part == FETCH_PART_FIELDS_NOT);
}

/* what the sections need loaded: the top-level header only (the listing
 * query) comes from the store's cached header bytes */
static bool
fetch_sections_fields(struct fetch_items *fi)
{
	for (size_t i = 0; i < fi->n; i++) {
		if (fi->v[i].kind != FETCH_SECTION)
			continue;
		fi->store_fields |= fetch_section_is_header(&fi->v[i]) ?
				    STORE_MSG_HEADER : STORE_MSG_FETCH;
	}
	return true;
}

bool
fetch_items_parse(const struct imap_arg *a, struct fetch_items *fi,
		  const char **error_r)
{
	memset(fi, 0, sizeof(*fi));
	*error_r = "Invalid FETCH item";
	if (a->type == IMAP_ARG_ATOM) {
		const char *s = a->u.str;
		bool all = strcasecmp(s, "ALL") == 0,
		     fast = strcasecmp(s, "FAST") == 0,
		     full = strcasecmp(s, "FULL") == 0;

		if (all || fast || full) {
			fetch_add(fi, FETCH_FLAGS);
			fetch_add(fi, FETCH_INTERNALDATE);
			fetch_add(fi, FETCH_SIZE);
			if (!fast)
				fetch_add(fi, FETCH_ENVELOPE);
			if (full)
				fetch_add(fi, FETCH_BODY);
			fi->n_args = 1;
			return true;
		}
		const struct imap_arg *start = a;

		if (fetch_parse_one(fi, &a)) {
			fi->n_args = (size_t)(a - start) + 1;
			return fetch_sections_fields(fi);
		}
		fetch_items_free(fi);
		return false;
	}
	if (a->type != IMAP_ARG_LIST || a->len == 0) {
		*error_r = "FETCH items expected";
		return false;
	}
	fi->n_args = 1;
	for (a = a->u.list; a->type != IMAP_ARG_EOL; a++) {
		if (!fetch_parse_one(fi, &a)) {
			fetch_items_free(fi);
			return false;
		}
	}
	return fetch_sections_fields(fi);
}

void
fetch_items_free(struct fetch_items *fi)
{
	size_t i;

	for (i = 0; i < fi->n; i++) {
		free(fi->v[i].label);
		free(fi->v[i].fields);
		free(fi->v[i].names);
	}
	free(fi->v);
	memset(fi, 0, sizeof(*fi));
}
