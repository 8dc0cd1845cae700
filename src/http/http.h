/* http.h - the HTTP services (h2o on the server's libuv loop):
 * "http" (plain), "https" (TLS with the server's certificate, ALPN h2
 * and http/1.1) serve client autoconfiguration; "metrics" (an admin
 * listener, plain by default) serves /metrics. */
#ifndef TERN_HTTP_H
#define TERN_HTTP_H

#include "lib/service.h"

extern const struct service http_service;
extern const struct service https_service;
extern const struct service metrics_service;

#endif
