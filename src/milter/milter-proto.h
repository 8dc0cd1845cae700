/* milter-proto.h - the Sendmail milter protocol, version 6, as an MTA
 * (Postfix) speaks it: packets built and parsed, no I/O.
 *
 * A packet is a 32-bit big-endian length (of what follows), one command
 * byte, and the command's data; strings in the data are NUL-terminated.
 * The MTA sends SMFIC_* commands, the filter answers SMFIR_* replies.
 * Reference: libmilter's mfdef.h and Postfix's src/milter/milter8.c. */
#ifndef TERN_MILTER_PROTO_H
#define TERN_MILTER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define MILTER_VERSION		6
#define MILTER_CHUNK_SIZE	65535	/* one SMFIC_BODY at most */

/* commands, MTA -> filter */
enum {
	SMFIC_ABORT = 'A', SMFIC_BODY = 'B', SMFIC_CONNECT = 'C',
	SMFIC_MACRO = 'D', SMFIC_BODYEOB = 'E', SMFIC_HELO = 'H',
	SMFIC_QUIT_NC = 'K', SMFIC_HEADER = 'L', SMFIC_MAIL = 'M',
	SMFIC_EOH = 'N', SMFIC_OPTNEG = 'O', SMFIC_QUIT = 'Q',
	SMFIC_RCPT = 'R', SMFIC_DATA = 'T', SMFIC_UNKNOWN = 'U',
};

/* replies, filter -> MTA */
enum {
	SMFIR_ADDRCPT = '+', SMFIR_DELRCPT = '-', SMFIR_ADDRCPT_PAR = '2',
	SMFIR_SHUTDOWN = '4', SMFIR_ACCEPT = 'a', SMFIR_REPLBODY = 'b',
	SMFIR_CONTINUE = 'c', SMFIR_DISCARD = 'd', SMFIR_CHGFROM = 'e',
	SMFIR_CONN_FAIL = 'f', SMFIR_ADDHEADER = 'h', SMFIR_INSHEADER = 'i',
	SMFIR_SETSYMLIST = 'l', SMFIR_CHGHEADER = 'm', SMFIR_PROGRESS = 'p',
	SMFIR_QUARANTINE = 'q', SMFIR_REJECT = 'r', SMFIR_SKIP = 's',
	SMFIR_TEMPFAIL = 't', SMFIR_REPLYCODE = 'y', SMFIR_OPTNEG = 'O',
};

/* actions a filter may take (SMFIF_*), offered in SMFIC_OPTNEG */
#define SMFIF_ADDHDRS		0x001
#define SMFIF_CHGBODY		0x002
#define SMFIF_ADDRCPT		0x004
#define SMFIF_DELRCPT		0x008
#define SMFIF_CHGHDRS		0x010
#define SMFIF_QUARANTINE	0x020
#define SMFIF_CHGFROM		0x040
#define SMFIF_ADDRCPT_PAR	0x080
#define SMFIF_SETSYMLIST	0x100
/* what tern carries out: the envelope changes are not offered (a filter
 * that needs them fails negotiation, as with an MTA without them) */
#define MILTER_ACTIONS	(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_CHGHDRS | \
			 SMFIF_QUARANTINE | SMFIF_SETSYMLIST)

/* protocol steps a filter may skip or not answer (SMFIP_*) */
#define SMFIP_NOCONNECT		0x00000001
#define SMFIP_NOHELO		0x00000002
#define SMFIP_NOMAIL		0x00000004
#define SMFIP_NORCPT		0x00000008
#define SMFIP_NOBODY		0x00000010
#define SMFIP_NOHDRS		0x00000020
#define SMFIP_NOEOH		0x00000040
#define SMFIP_NR_HDR		0x00000080
#define SMFIP_NOUNKNOWN		0x00000100
#define SMFIP_NODATA		0x00000200
#define SMFIP_SKIP		0x00000400
#define SMFIP_RCPT_REJ		0x00000800
#define SMFIP_NR_CONN		0x00001000
#define SMFIP_NR_HELO		0x00002000
#define SMFIP_NR_MAIL		0x00004000
#define SMFIP_NR_RCPT		0x00008000
#define SMFIP_NR_DATA		0x00010000
#define SMFIP_NR_UNKN		0x00020000
#define SMFIP_NR_EOH		0x00040000
#define SMFIP_NR_BODY		0x00080000
#define SMFIP_HDR_LEADSPC	0x00100000
/* what tern offers: every skip and no-reply step; not RCPT_REJ (refused
 * recipients are not shown to filters), not the bigger-data flags */
#define MILTER_PROTOCOL	0x001FF7FF

/* macro stages of SMFIR_OPTNEG's symbol lists (SMFIM_*) */
enum milter_stage {
	MILTER_STAGE_CONNECT, MILTER_STAGE_HELO, MILTER_STAGE_MAIL,
	MILTER_STAGE_RCPT, MILTER_STAGE_DATA, MILTER_STAGE_EOM,
	MILTER_STAGE_EOH, MILTER_STAGE_COUNT
};

/* --- building commands: each appends one whole packet to out --- */

void milter_put_optneg(struct buf *out, uint32_t actions, uint32_t protocol);
/* family '4', '6' or 'U'; addr an IP literal or a socket path */
void milter_put_connect(struct buf *out, const char *host, char family,
			uint16_t port, const char *addr);
/* SMFIC_MACRO for command cmd: names[i] = values[i] */
void milter_put_macros(struct buf *out, char cmd, const char *const *names,
		       const char *const *values, size_t n);
/* HELO, MAIL, RCPT: NUL-terminated strings (MAIL/RCPT: the <address>
 * first, then ESMTP parameters) */
void milter_put_strings(struct buf *out, char cmd, const char *const *v,
			size_t n);
void milter_put_header(struct buf *out, const char *name, size_t name_len,
		       const char *value, size_t value_len);
/* BODY: one packet of at most MILTER_CHUNK_SIZE bytes */
void milter_put_body(struct buf *out, const void *p, size_t n);
/* commands without data: ABORT, BODYEOB, EOH, DATA, QUIT */
void milter_put_empty(struct buf *out, char cmd);

/* --- reading packets --- */

/* the first whole packet at p[0..n): 1 with *cmd_r, *data_r, *len_r and
 * *used_r set, 0 when more bytes are needed, -1 when the length is 0 or
 * over max (the stream is beyond repair) */
int milter_packet_next(const unsigned char *p, size_t n, uint32_t max,
		       char *cmd_r, const unsigned char **data_r,
		       size_t *len_r, size_t *used_r);

/* one reply, parsed; strings point into the packet's data */
struct milter_reply {
	char cmd;			/* SMFIR_* */
	/* OPTNEG */
	uint32_t version, actions, protocol;
	/* the macro names the filter asks for per stage (OPTNEG), as one
	 * space-separated list; NULL: Postfix's default */
	const char *symlist[MILTER_STAGE_COUNT];
	size_t symlist_len[MILTER_STAGE_COUNT];
	/* ADDHEADER, INSHEADER, CHGHEADER: name, value; REPLYCODE,
	 * QUARANTINE, ADDRCPT, DELRCPT, CHGFROM: text */
	uint32_t index;			/* INSHEADER, CHGHEADER */
	const char *name;
	size_t name_len;
	const char *text;
	size_t text_len;
	/* REPLBODY: the bytes */
	const unsigned char *body;
	size_t body_len;
	/* REPLYCODE: the parsed code, e.g. 550 and "5.7.1" (or "") */
	int code;
	char enh[16];
};

/* parse one reply packet; false with *why set when it is malformed (an
 * unknown command, a missing NUL, a REPLYCODE that is no SMTP reply) */
bool milter_reply_parse(char cmd, const unsigned char *data, size_t len,
			struct milter_reply *r, const char **why);

/* does macro name appear in the space/comma separated list? "{i}" and
 * "i" are the same name */
bool milter_symlist_has(const char *list, size_t len, const char *name);

#endif
