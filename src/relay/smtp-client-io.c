/* smtp-client-io.c - outbound socket + client TLS with poll() deadlines */
#include "relay/smtp-client-io.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>

#define SMTP_IO_READ_CHUNK 16384

static SSL_CTX *smtp_io_ctx;
static pthread_once_t smtp_io_ctx_once = PTHREAD_ONCE_INIT;

static void
smtp_io_ctx_make(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	smtp_io_ctx = ctx;
}

static uint64_t
smtp_io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
smtp_io_init(struct smtp_io *io)
{
	memset(io, 0, sizeof(*io));
	io->fd = -1;
	buf_init(&io->in);
}

static int
smtp_io_fail(struct smtp_io *io, const char *what)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s with %s", what, io->peer);
	if (b.len >= sizeof(io->error))
		b.len = sizeof(io->error) - 1;
	memcpy(io->error, b.data, b.len);
	io->error[b.len] = '\0';
	buf_free(&b);
	return -1;
}

/* wait for events until deadline: 1 ready, -1 timeout/abort/error */
static int
smtp_io_wait(struct smtp_io *io, short events, uint64_t deadline,
	     const char *what)
{
	for (;;) {
		struct pollfd p = { io->fd, events, 0 };
		uint64_t now = smtp_io_now_ms();
		int r;

		if (io->aborted || (io->stop &&
				    __atomic_load_n(io->stop, __ATOMIC_RELAXED)))
			return smtp_io_fail(io, "aborted (shutdown)");
		if (now >= deadline) {
			char t[128];

			snprintf(t, sizeof(t), "timeout %s", what);
			return smtp_io_fail(io, t);
		}
		/* wake up now and then to notice an abort */
		r = poll(&p, 1, (int)(deadline - now > 1000 ? 1000 :
				      deadline - now));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return smtp_io_fail(io, "poll failed");
	}
}

int
smtp_io_connect(struct smtp_io *io, const struct dns_addr *addr, int port,
		uint64_t timeout_ms)
{
	struct sockaddr_storage ss = addr->ss;
	uint64_t deadline = smtp_io_now_ms() + timeout_ms;
	int err = 0, one = 1;
	socklen_t len = sizeof(err);

	if (ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		snprintf(io->peer, sizeof(io->peer), "[%s]:%d", addr->text,
			 port);
	} else {
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		snprintf(io->peer, sizeof(io->peer), "%s:%d", addr->text,
			 port);
	}
	io->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (io->fd < 0)
		return smtp_io_fail(io, "socket() failed");
	setsockopt(io->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(io->fd, (struct sockaddr *)&ss, addr->len) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		char t[128];

		snprintf(t, sizeof(t), "connect failed: %s", strerror(errno));
		return smtp_io_fail(io, t);
	}
	if (smtp_io_wait(io, POLLOUT, deadline, "connecting") < 0)
		return -1;
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err != 0) {
		char t[128];

		snprintf(t, sizeof(t), "connect failed: %s", strerror(err));
		return smtp_io_fail(io, t);
	}
	return 0;
}

int
smtp_io_write(struct smtp_io *io, const void *data, size_t len,
	      uint64_t timeout_ms)
{
	const unsigned char *p = data;
	uint64_t deadline = smtp_io_now_ms() + timeout_ms;

	while (len > 0) {
		ssize_t n;
		short ev = POLLOUT;

		if (io->aborted)
			return smtp_io_fail(io, "aborted (shutdown)");
		if (io->ssl) {
			int r;

			ERR_clear_error();
			r = SSL_write(io->ssl, p, len > INT32_MAX ? INT32_MAX :
				      (int)len);
			if (r > 0) {
				n = r;
			} else {
				int e = SSL_get_error(io->ssl, r);

				if (e == SSL_ERROR_WANT_READ)
					ev = POLLIN;
				else if (e != SSL_ERROR_WANT_WRITE)
					return smtp_io_fail(io, "TLS write "
							    "failed");
				n = -1;
				errno = EAGAIN;
			}
		} else {
			n = send(io->fd, p, len, MSG_NOSIGNAL);
		}
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			io->bytes_out += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return smtp_io_fail(io, "lost connection (write)");
		if (smtp_io_wait(io, ev, deadline, "writing") < 0)
			return -1;
	}
	return 0;
}

/* read some bytes into io->in: 1 got some, -1 error/EOF/timeout */
static int
smtp_io_fill(struct smtp_io *io, uint64_t deadline, const char *what)
{
	for (;;) {
		unsigned char *w = buf_reserve(&io->in, SMTP_IO_READ_CHUNK);
		ssize_t n;
		short ev = POLLIN;

		if (io->aborted)
			return smtp_io_fail(io, "aborted (shutdown)");
		if (io->ssl) {
			int r;

			ERR_clear_error();
			r = SSL_read(io->ssl, w, SMTP_IO_READ_CHUNK);
			if (r > 0) {
				n = r;
			} else {
				int e = SSL_get_error(io->ssl, r);

				if (e == SSL_ERROR_WANT_WRITE)
					ev = POLLOUT;
				else if (e == SSL_ERROR_ZERO_RETURN)
					return smtp_io_fail(io, "lost "
							    "connection");
				else if (e != SSL_ERROR_WANT_READ)
					return smtp_io_fail(io, "TLS read "
							    "failed");
				n = -1;
				errno = EAGAIN;
			}
		} else {
			n = recv(io->fd, w, SMTP_IO_READ_CHUNK, 0);
			if (n == 0)
				return smtp_io_fail(io, "lost connection");
		}
		if (n > 0) {
			io->in.len += (size_t)n;
			return 1;
		}
		if (errno != EAGAIN && errno != EINTR)
			return smtp_io_fail(io, "lost connection (read)");
		if (smtp_io_wait(io, ev, deadline, what) < 0)
			return -1;
	}
}

int
smtp_io_read_reply(struct smtp_io *io, struct smtp_reply *r,
		   uint64_t timeout_ms)
{
	uint64_t deadline = smtp_io_now_ms() + timeout_ms;

	for (;;) {
		size_t used;
		enum smtp_reply_result res;

		res = smtp_reply_parse(io->in.data, io->in.len, r, &used);
		if (res == SMTP_REPLY_OK) {
			buf_consume(&io->in, used);
			return 0;
		}
		if (res == SMTP_REPLY_ERROR)
			return smtp_io_fail(io, "malformed reply");
		if (smtp_io_fill(io, deadline, "waiting for a reply") < 0)
			return -1;
	}
}

int
smtp_io_starttls(struct smtp_io *io, const char *sni, uint64_t timeout_ms)
{
	uint64_t deadline = smtp_io_now_ms() + timeout_ms;

	pthread_once(&smtp_io_ctx_once, smtp_io_ctx_make);
	if (smtp_io_ctx == NULL)
		return smtp_io_fail(io, "no TLS client context");
	/* RFC 3207: discard anything received before the handshake */
	buf_reset(&io->in);
	io->ssl = SSL_new(smtp_io_ctx);
	if (io->ssl == NULL)
		return smtp_io_fail(io, "SSL_new failed");
	SSL_set_fd(io->ssl, io->fd);
	if (sni && sni[0] && sni[0] != '[')
		SSL_set_tlsext_host_name(io->ssl, sni);
	for (;;) {
		int r, e;

		ERR_clear_error();
		r = SSL_connect(io->ssl);
		if (r == 1)
			return 0;
		e = SSL_get_error(io->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			if (smtp_io_wait(io, POLLIN, deadline,
					 "in TLS handshake") < 0)
				return -1;
		} else if (e == SSL_ERROR_WANT_WRITE) {
			if (smtp_io_wait(io, POLLOUT, deadline,
					 "in TLS handshake") < 0)
				return -1;
		} else {
			char t[200];
			unsigned long ec = ERR_peek_error();

			snprintf(t, sizeof(t), "TLS handshake failed (%s)",
				 ec ? ERR_reason_error_string(ec) : "eof");
			SSL_free(io->ssl);
			io->ssl = NULL;
			return smtp_io_fail(io, t);
		}
	}
}

bool
smtp_io_is_tls(const struct smtp_io *io)
{
	return io->ssl != NULL;
}

const char *
smtp_io_tls_version(const struct smtp_io *io)
{
	return io->ssl ? SSL_get_version(io->ssl) : NULL;
}

const char *
smtp_io_tls_cipher(const struct smtp_io *io)
{
	return io->ssl ? SSL_get_cipher_name(io->ssl) : NULL;
}

void
smtp_io_abort(struct smtp_io *io)
{
	__atomic_store_n(&io->aborted, true, __ATOMIC_RELAXED);
}

void
smtp_io_close(struct smtp_io *io)
{
	if (io->ssl) {
		SSL_shutdown(io->ssl);	/* best effort, non-blocking */
		SSL_free(io->ssl);
		io->ssl = NULL;
	}
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	buf_free(&io->in);
}
