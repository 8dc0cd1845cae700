require ["body","fileinto","regex","variables"];
# rule:[body]
if body :text :regex "[0-9]{2} days"
{
	fileinto "Due";
}
# rule:[set]
set "folder" "Sorted";
if header :regex "subject" "^Re:|^Fwd:"
{
	fileinto "${folder}/Replies";
}
