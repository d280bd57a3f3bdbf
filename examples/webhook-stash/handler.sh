#!/bin/sh
# Classic-mode function that keeps every request it receives: the request line, the headers
# (from the watchdog's Http_* variables) and the body are written to one new file in
# $stash_dir (default /tmp/faas-webhook-stash), and the answer is that file's name.
# Useful as a webhook receiver while you develop the sender.
set -eu
dir="${stash_dir:-/tmp/faas-webhook-stash}"
mkdir -p "$dir"
name="$(date -u +%Y%m%dT%H%M%SZ)-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').txt"
tmp="$dir/.$name.part"
{
    query="${Http_Query:-}"
    printf '%s %s%s\n' "${Http_Method:-POST}" "${Http_Path:-/}" "${query:+?$query}"
    # Http_Content_Type=text/plain -> Content-Type: text/plain
    env | grep '^Http_' | grep -v -e '^Http_Method=' -e '^Http_Path=' -e '^Http_Query=' \
        -e '^Http_ContentLength=' -e '^Http_Transfer_Encoding=' | sort |
        sed -e 's/^Http_//' -e 'h;s/=.*//;s/_/-/g;x;s/^[^=]*=//;x;G;s/\n/: /'
    printf '\n'
    cat
} >"$tmp"
mv "$tmp" "$dir/$name"
printf '%s\n' "$name"
