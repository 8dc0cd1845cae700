require ["mailbox", "fileinto"];
# RFC 5490 3.1/3.2: "Archive" and "Lists" exist (both sides are told so),
# "Nope" does not
if mailboxexists "Archive" { fileinto "Archive"; }
if mailboxexists ["Archive", "Nope"] { fileinto "both-exist"; }
if mailboxexists ["Lists", "Archive"] { fileinto "Lists"; }
if not mailboxexists "Nope" { fileinto :create "Archive/2026"; }
