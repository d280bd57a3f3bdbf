#!/bin/sh
# SHA-512 of the request body as hex. Works in classic mode and in streaming mode, where the body
# is piped through as it arrives, so bodies of any size are hashed without being buffered.
set -eu
sum=$(sha512sum)
printf '%s\n' "${sum%% *}"
