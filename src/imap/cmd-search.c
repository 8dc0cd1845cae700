/* cmd-search.c - SEARCH (placeholder until search-*.c land) */
#include "imap/imap-private.h"

enum imap_cmd_ret
cmd_search(struct imap_cmd *cmd)
{
	return imap_cmd_reply(cmd, "NO", "[CANNOT] SEARCH is not available");
}
