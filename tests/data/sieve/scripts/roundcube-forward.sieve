require ["copy","envelope"];
# rule:[forward]
if true
{
	redirect :copy "me@example.org";
}
# rule:[drop-bounces]
if envelope :matches "from" "MAILER-DAEMON@*"
{
	discard;
	stop;
}
