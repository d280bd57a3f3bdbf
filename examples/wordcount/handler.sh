#!/bin/sh
# Classic-mode function: text on stdin, JSON line/word/byte counts on stdout.
set -eu
# shellcheck disable=SC2046  # word splitting of wc's three numbers is what we want
set -- $(wc -l -w -c)
printf '{"lines":%s,"words":%s,"bytes":%s}\n' "$1" "$2" "$3"
