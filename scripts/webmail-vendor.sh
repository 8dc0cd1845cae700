#!/bin/sh
# webmail-vendor.sh - re-fetch the webmail's vendored DOMPurify from the
# npm registry and check it against the sha256 recorded here, so the
# copy in webmail/vendor/ is exactly the pinned release (the build itself
# never needs the network). Usage: scripts/webmail-vendor.sh [--check]
#   --check  only verify the files in the tree
set -eu
VERSION=3.5.0
TGZ_SHA256=faa5f2bfe2814384b83d6edb4ed66812fbfdb2a654b4d59edd4b12304058ec20
MJS_SHA256=5e8c53cd086a012531fc754ee6a7ad7a02e8a06fc4dadd805b912e128c3f6c58
cd "$(dirname "$0")/.."
dest=webmail/vendor

check() {
	echo "$MJS_SHA256  $dest/purify.es.mjs" | sha256sum -c -
}
if [ "${1:-}" = "--check" ]; then check; exit; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "dompurify@$VERSION" >/dev/null)
echo "$TGZ_SHA256  $tmp/dompurify-$VERSION.tgz" | sha256sum -c -
tar -xzf "$tmp/dompurify-$VERSION.tgz" -C "$tmp"
cp "$tmp/package/dist/purify.es.mjs" "$dest/purify.es.mjs"
cp "$tmp/package/LICENSE" "$dest/purify.LICENSE"
check
