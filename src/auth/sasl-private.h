/* sasl-private.h - what sasl.c shares with the mechanism files.
 * Not for use outside src/auth/. */
#ifndef TERN_SASL_PRIVATE_H
#define TERN_SASL_PRIVATE_H

#include "auth/sasl.h"

struct sasl_mech {
	const char *name;
	/* first call: has_ir as sasl_start(); ir may be NULL if !has_ir */
	enum sasl_result (*start)(struct sasl_session *s, bool has_ir,
				  const unsigned char *ir, size_t len,
				  struct buf *out);
	enum sasl_result (*step)(struct sasl_session *s,
				 const unsigned char *data, size_t len,
				 struct buf *out);
	/* SCRAM only: after SASL_NEED_SCRAM_SECRET */
	enum sasl_result (*set_scram_secret)(struct sasl_session *s,
					     const char *secret,
					     struct buf *out);
	/* wipe and free s->mech_data (may be NULL) */
	void (*free)(struct sasl_session *s);
};

struct sasl_session {
	const struct sasl_mech *mech;
	bool started;
	enum sasl_result last;	/* last result handed to the caller */
	unsigned steps;
	int state;		/* the mechanism's own state */
	char *username;		/* normalised authcid */
	char *password;		/* PLAIN/LOGIN, exact-size, wiped */
	size_t password_len;
	const char *error;
	char *test_nonce;
	void *mech_data;
};

extern const struct sasl_mech sasl_plain_mech;
extern const struct sasl_mech sasl_login_mech;
extern const struct sasl_mech sasl_scram_mech;

/* sasl_fail - record why the session failed, wipe its secrets, and
 * return SASL_FAIL */
enum sasl_result sasl_fail(struct sasl_session *s, const char *reason);

/* sasl_set_username - normalise and keep the authentication identity;
 * false (and the session failed) if it is not a valid login name */
bool sasl_set_username(struct sasl_session *s, const void *name,
		       size_t len);

/* sasl_check_authzid - true if the authorization identity is empty or
 * normalises to the username (set before); else the session failed */
bool sasl_check_authzid(struct sasl_session *s, const void *authzid,
			size_t len);

/* sasl_set_password - keep a copy of the password for the caller's
 * verification; false (session failed) if empty, too long or holding a
 * NUL byte */
bool sasl_set_password(struct sasl_session *s, const void *pw, size_t len);

#endif
