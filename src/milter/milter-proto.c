/* milter-proto.c - milter packets built and parsed (contract in
 * milter-proto.h) */
#include "milter/milter-proto.h"

#include <string.h>

static void
milter_put_u32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_append(out, b, 4);
}

static uint32_t
milter_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* a packet header for len data bytes; the data follows */
static void
milter_put_head(struct buf *out, char cmd, size_t len)
{
	milter_put_u32(out, (uint32_t)(len + 1));
	buf_append_byte(out, (unsigned char)cmd);
}

/* a string with its NUL; NULs inside would cut it: they end it there */
static void
milter_put_str(struct buf *out, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);

	buf_append(out, s, nul ? (size_t)(nul - s) : n);
	buf_append_byte(out, 0);
}

static size_t
milter_str_len(const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);

	return (nul ? (size_t)(nul - s) : n) + 1;
}

void
milter_put_optneg(struct buf *out, uint32_t actions, uint32_t protocol)
{
	milter_put_head(out, SMFIC_OPTNEG, 12);
	milter_put_u32(out, MILTER_VERSION);
	milter_put_u32(out, actions);
	milter_put_u32(out, protocol);
}

void
milter_put_connect(struct buf *out, const char *host, char family,
		   uint16_t port, const char *addr)
{
	size_t hl = milter_str_len(host, strlen(host));
	size_t al = milter_str_len(addr, strlen(addr));

	milter_put_head(out, SMFIC_CONNECT, hl + 1 + 2 + al);
	milter_put_str(out, host, strlen(host));
	buf_append_byte(out, (unsigned char)family);
	buf_append_byte(out, (unsigned char)(port >> 8));
	buf_append_byte(out, (unsigned char)port);
	milter_put_str(out, addr, strlen(addr));
}

void
milter_put_macros(struct buf *out, char cmd, const char *const *names,
		  const char *const *values, size_t n)
{
	size_t len = 1;

	for (size_t i = 0; i < n; i++)
		len += milter_str_len(names[i], strlen(names[i])) +
		       milter_str_len(values[i], strlen(values[i]));
	milter_put_head(out, SMFIC_MACRO, len);
	buf_append_byte(out, (unsigned char)cmd);
	for (size_t i = 0; i < n; i++) {
		milter_put_str(out, names[i], strlen(names[i]));
		milter_put_str(out, values[i], strlen(values[i]));
	}
}

void
milter_put_strings(struct buf *out, char cmd, const char *const *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += milter_str_len(v[i], strlen(v[i]));
	milter_put_head(out, cmd, len);
	for (size_t i = 0; i < n; i++)
		milter_put_str(out, v[i], strlen(v[i]));
}

void
milter_put_header(struct buf *out, const char *name, size_t name_len,
		  const char *value, size_t value_len)
{
	milter_put_head(out, SMFIC_HEADER, milter_str_len(name, name_len) +
			milter_str_len(value, value_len));
	milter_put_str(out, name, name_len);
	milter_put_str(out, value, value_len);
}

void
milter_put_body(struct buf *out, const void *p, size_t n)
{
	if (n > MILTER_CHUNK_SIZE)
		n = MILTER_CHUNK_SIZE;
	milter_put_head(out, SMFIC_BODY, n);
	buf_append(out, p, n);
}

void
milter_put_empty(struct buf *out, char cmd)
{
	milter_put_head(out, cmd, 0);
}

int
milter_packet_next(const unsigned char *p, size_t n, uint32_t max,
		   char *cmd_r, const unsigned char **data_r, size_t *len_r,
		   size_t *used_r)
{
	uint32_t len;

	if (n < 4)
		return 0;
	len = milter_get_u32(p);
	if (len == 0 || len > max)
		return -1;
	if (n - 4 < len)
		return 0;
	*cmd_r = (char)p[4];
	*data_r = p + 5;
	*len_r = len - 1;
	*used_r = 4 + (size_t)len;
	return 1;
}

/* a NUL-terminated string at data[*off]; false when there is no NUL */
static bool
milter_get_str(const unsigned char *data, size_t len, size_t *off,
	       const char **s_r, size_t *n_r)
{
	const unsigned char *nul;

	if (*off >= len)
		return false;
	nul = memchr(data + *off, '\0', len - *off);
	if (nul == NULL)
		return false;
	*s_r = (const char *)data + *off;
	*n_r = (size_t)(nul - (data + *off));
	*off += *n_r + 1;
	return true;
}

/* "550 5.7.1 text" (lines may continue with "550-"): RFC 5321 code,
 * 4xx or 5xx only (a filter cannot make the MTA say 2xx here) */
static bool
milter_replycode_parse(struct milter_reply *r)
{
	const char *t = r->text;
	size_t n = r->text_len, i = 4;

	if (n < 3 || t[0] < '4' || t[0] > '5' || t[1] < '0' || t[1] > '9' ||
	    t[2] < '0' || t[2] > '9' || (n > 3 && t[3] != ' ' && t[3] != '-'))
		return false;
	r->code = (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
	r->enh[0] = '\0';
	/* an enhanced code of the same class: d.ddd.ddd */
	if (n > i + 4 && t[i] == t[0] && t[i + 1] == '.') {
		size_t e = i;

		while (e < n && e - i < sizeof(r->enh) - 1 &&
		       ((t[e] >= '0' && t[e] <= '9') || t[e] == '.'))
			e++;
		if (e == n || t[e] == ' ') {
			memcpy(r->enh, t + i, e - i);
			r->enh[e - i] = '\0';
		}
	}
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)t[k] < 32 && t[k] != '\r' && t[k] != '\n' &&
		    t[k] != '\t')
			return false;
	return true;
}

static bool
milter_optneg_parse(const unsigned char *data, size_t len,
		    struct milter_reply *r, const char **why)
{
	size_t off = 12;

	if (len < 12) {
		*why = "short OPTNEG";
		return false;
	}
	r->version = milter_get_u32(data);
	r->actions = milter_get_u32(data + 4);
	r->protocol = milter_get_u32(data + 8);
	/* optional: (stage, "macro list") pairs */
	while (off < len) {
		uint32_t stage;
		const char *s;
		size_t n;

		if (len - off < 4) {
			*why = "bad OPTNEG macro list";
			return false;
		}
		stage = milter_get_u32(data + off);
		off += 4;
		if (!milter_get_str(data, len, &off, &s, &n)) {
			*why = "bad OPTNEG macro list";
			return false;
		}
		if (stage < MILTER_STAGE_COUNT) {
			r->symlist[stage] = s;
			r->symlist_len[stage] = n;
		}
	}
	return true;
}

bool
milter_reply_parse(char cmd, const unsigned char *data, size_t len,
		   struct milter_reply *r, const char **why)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	*why = "malformed reply";
	switch (cmd) {
	case SMFIR_OPTNEG:
		return milter_optneg_parse(data, len, r, why);
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD:
	case SMFIR_REJECT: case SMFIR_TEMPFAIL: case SMFIR_SKIP:
	case SMFIR_PROGRESS: case SMFIR_CONN_FAIL: case SMFIR_SHUTDOWN:
		return true;
	case SMFIR_REPLBODY:
		r->body = data;
		r->body_len = len;
		return true;
	case SMFIR_INSHEADER: case SMFIR_CHGHEADER:
		if (len < 4)
			return false;
		r->index = milter_get_u32(data);
		off = 4;
		/* fall through */
	case SMFIR_ADDHEADER:
		if (!milter_get_str(data, len, &off, &r->name, &r->name_len) ||
		    !milter_get_str(data, len, &off, &r->text, &r->text_len))
			return false;
		if (r->name_len == 0) {
			*why = "empty header name";
			return false;
		}
		for (size_t i = 0; i < r->name_len; i++)
			if ((unsigned char)r->name[i] <= 32 ||
			    (unsigned char)r->name[i] >= 127 || r->name[i] == ':') {
				*why = "bad header name";
				return false;
			}
		return true;
	case SMFIR_REPLYCODE:
		if (!milter_get_str(data, len, &off, &r->text, &r->text_len))
			return false;
		if (!milter_replycode_parse(r)) {
			*why = "bad REPLYCODE";
			return false;
		}
		return true;
	case SMFIR_QUARANTINE: case SMFIR_ADDRCPT: case SMFIR_DELRCPT:
	case SMFIR_ADDRCPT_PAR: case SMFIR_CHGFROM: case SMFIR_SETSYMLIST:
		return milter_get_str(data, len, &off, &r->text, &r->text_len);
	default:
		*why = "unknown reply";
		return false;
	}
}

bool
milter_symlist_has(const char *list, size_t len, const char *name)
{
	size_t nl = strlen(name), i = 0;

	if (nl >= 2 && name[0] == '{' && name[nl - 1] == '}') {
		name++;
		nl -= 2;
	}
	while (i < len) {
		size_t s, e;

		while (i < len && (list[i] == ' ' || list[i] == ','))
			i++;
		s = i;
		while (i < len && list[i] != ' ' && list[i] != ',')
			i++;
		e = i;
		if (e - s >= 2 && list[s] == '{' && list[e - 1] == '}') {
			s++;
			e--;
		}
		if (e - s == nl && nl > 0 && memcmp(list + s, name, nl) == 0)
			return true;
	}
	return false;
}
