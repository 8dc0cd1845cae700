/* http-jmap-blob.c - JMAP uploads and downloads (RFC 8620 6.1, 6.2).
 *
 * An upload's body has been read by h2o (up to http_max_entity(): a
 * larger Content-Length is refused with 413 from its header, a chunked
 * body as soon as it passes; h2o keeps a large body in a temporary file,
 * not in memory); it is written to <data_dir>/jmap-uploads/ on the
 * pool (jmap-upload.c). A download reads the blob on the pool through
 * jmap_blob_read(). */
#include "http/http-jmap.h"

#include "jmap/jmap-upload.h"
#include "lib/log.h"
#include "lib/service.h"

#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- upload ---- */

struct upload {
	char *type;
	char blob_id[JMAP_UPLOAD_ID_LEN + 1];
	int err;
};

static void
upload_free(void *p)
{
	struct upload *u = p;

	free(u->type);
	free(u);
}

/* a media type to keep: "type/subtype" and parameters of token
 * characters, else application/octet-stream */
static char *
media_type(const char *s, size_t n)
{
	size_t slashes = 0;
	bool ok = n > 2 && n < 200;

	for (size_t i = 0; ok && i < n; i++) {
		char c = s[i];

		if (c == '/')
			slashes++;
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || strchr("!#$&^_.+-/;= \"", c);
	}
	if (!ok || slashes != 1 || s[0] == '/')
		return xstrdup("application/octet-stream");
	return xstrndup(s, n);
}

/* "A<id>" of the user? The path's account segment */
static bool
own_account(struct jmap_http *r, const char *seg, size_t n)
{
	char *mine = xasprintf("A%" PRId64, r->account_id);
	bool ok = strlen(mine) == n && !memcmp(mine, seg, n);

	free(mine);
	return ok;
}

static void
upload_work(uv_work_t *w)
{
	struct jmap_http *r = w->data;
	struct upload *u = r->ext;
	const struct tern_conf *conf = r->env->conf;

	jmap_upload_sweep(conf->data_dir, conf->jmap.upload_expiry_ms);
	u->err = jmap_upload_save(conf->data_dir, r->account_id, u->type,
				  r->body, r->body_len, u->blob_id);
}

static void
upload_after(uv_work_t *w, int status)
{
	struct jmap_http *r = w->data;
	struct upload *u = r->ext;
	json_t *j;
	char *s;

	(void)status;
	r->busy = false;
	jmap_http_inflight_done(r->account_id, JMAP_INFLIGHT_UPLOAD);
	if (u->err < 0) {
		jmap_http_problem(r, 500, "Internal Server Error", "about:blank",
				  NULL, "the upload could not be stored");
		return;
	}
	s = xasprintf("A%" PRId64, r->account_id);
	j = json_pack("{s:s, s:s, s:s, s:I}", "accountId", s, "blobId",
		      u->blob_id, "type", u->type, "size", (json_int_t)r->body_len);
	free(s);
	s = json_dumps(j, JSON_COMPACT);
	log_info(0, "jmap upload account=%" PRId64 " blob=%s size=%zu",
		 r->account_id, u->blob_id, r->body_len);
	jmap_http_finish(r, 201, "Created", "application/json", s, strlen(s));
	free(s);
	json_decref(j);
}

static void
upload_run(struct jmap_http *r)
{
	const char *p = r->req->path_normalized.base + strlen("/jmap/upload/");
	size_t n = r->req->path_normalized.len - strlen("/jmap/upload/");
	struct upload *u;
	ssize_t ct;

	/* {accountId}/ */
	if (n == 0 || p[n - 1] != '/' || !own_account(r, p, n - 1)) {
		jmap_http_problem(r, 404, "Not Found", "about:blank", NULL,
				  "no such account");
		return;
	}
	if (!jmap_http_inflight_take(r->account_id, JMAP_INFLIGHT_UPLOAD,
				     r->env->conf->jmap.max_concurrent_upload)) {
		jmap_http_problem(r, 429, "Too Many Requests",
				  "urn:ietf:params:jmap:error:limit",
				  "maxConcurrentUpload", "too many uploads in progress");
		return;
	}
	u = xcalloc(1, sizeof(*u));
	r->ext = u;
	r->ext_free = upload_free;
	ct = h2o_find_header(&r->req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
	u->type = ct < 0 ? xstrdup("application/octet-stream") :
		  media_type(r->req->headers.entries[ct].value.base,
			     r->req->headers.entries[ct].value.len);
	r->body_len = r->req->entity.len;
	r->body = xmalloc(r->body_len + 1);
	memcpy(r->body, r->req->entity.base, r->body_len);
	jmap_http_queue(r, upload_work, upload_after, JMAP_INFLIGHT_UPLOAD);
}

void
http_jmap_upload(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, upload_run);

	if (r == NULL)
		return;
	if (req->entity.len > env->conf->jmap.max_size_upload) {
		jmap_http_problem(r, 413, "Payload Too Large",
				  "urn:ietf:params:jmap:error:limit",
				  "maxSizeUpload", "the upload is too large");
		return;
	}
	jmap_http_authenticate(r);
}

/* ---- download ---- */

struct download {
	char *blob_id;
	char *name;
	char *accept;		/* the type asked for, sanitized, or NULL */
	char *type;		/* the blob's own, or NULL */
	struct buf data;
	int err;
};

static void
download_free(void *p)
{
	struct download *d = p;

	free(d->blob_id);
	free(d->name);
	free(d->accept);
	free(d->type);
	buf_free(&d->data);
	free(d);
}

static void
download_work(uv_work_t *w)
{
	struct jmap_http *r = w->data;
	struct download *d = r->ext;

	d->err = jmap_blob_fetch(r->env, &r->acct, d->blob_id, &d->data, &d->type);
}

/* RFC 6266: an ASCII fallback and the UTF-8 name percent-encoded */
static char *
content_disposition(const char *name)
{
	struct buf b = BUF_INIT;

	buf_append_str(&b, "attachment; filename=\"");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		buf_append_byte(&b, *p < 0x20 || *p >= 0x7f || *p == '"' ||
				    *p == '\\' ? '_' : *p);
	buf_append_str(&b, "\"; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
			buf_append_byte(&b, *p);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	return buf_steal(&b);
}

static void
download_after(uv_work_t *w, int status)
{
	struct jmap_http *r = w->data;
	struct download *d = r->ext;
	const char *type;
	char *cd;

	(void)status;
	r->busy = false;
	if (d->err == -ENOENT) {
		jmap_http_problem(r, 404, "Not Found", "about:blank", NULL,
				  "no such blob");
		return;
	}
	if (d->err < 0) {
		log_error(0, "jmap download blob=%s error=\"%s\"", d->blob_id,
			  strerror(-d->err));
		jmap_http_problem(r, 500, "Internal Server Error", "about:blank",
				  NULL, "the blob could not be read");
		return;
	}
	type = d->accept ? d->accept : d->type ? d->type :
	       "application/octet-stream";
	if (r->req != NULL) {
		cd = content_disposition(d->name);
		h2o_add_header(&r->req->pool, &r->req->res.headers,
			       H2O_TOKEN_CONTENT_DISPOSITION, NULL,
			       h2o_strdup(&r->req->pool, cd, SIZE_MAX).base,
			       strlen(cd));
		free(cd);
	}
	jmap_http_finish(r, 200, "OK", type, d->data.data, d->data.len);
}

/* the path's segments after /jmap/download/: account, blob, name */
static bool
download_path(h2o_req_t *req, char *seg[3])
{
	size_t end = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
	const char *p = req->path.base, *stop = p + end;
	const char *pre = "/jmap/download/";
	int i = 0;

	if (end < strlen(pre) || memcmp(p, pre, strlen(pre)))
		return false;
	p += strlen(pre);
	for (i = 0; i < 3; i++) {
		const char *e = i < 2 ? memchr(p, '/', (size_t)(stop - p)) : stop;

		if (e == NULL || e == p || (i == 2 && memchr(p, '/', (size_t)(stop - p))) ||
		    (seg[i] = http_path_decode(p, (size_t)(e - p))) == NULL) {
			while (i-- > 0)
				free(seg[i]);
			return false;
		}
		p = e + 1;
	}
	return true;
}

static void
download_run(struct jmap_http *r)
{
	struct download *d;
	char *seg[3], *accept;

	if (!download_path(r->req, seg)) {
		jmap_http_problem(r, 404, "Not Found", "about:blank", NULL,
				  "not a download URL");
		return;
	}
	d = xcalloc(1, sizeof(*d));
	r->ext = d;
	r->ext_free = download_free;
	d->blob_id = seg[1];
	d->name = seg[2];
	if ((accept = http_query_param(r->req, "accept")) != NULL) {
		d->accept = media_type(accept, strlen(accept));
		free(accept);
	}
	if (!own_account(r, seg[0], strlen(seg[0]))) {
		free(seg[0]);
		jmap_http_problem(r, 404, "Not Found", "about:blank", NULL,
				  "no such account");
		return;
	}
	free(seg[0]);
	jmap_http_queue(r, download_work, download_after, JMAP_INFLIGHT_NONE);
}

void
http_jmap_download(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, download_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}
