#!/bin/sh
# Classic-mode function that shows the CGI contract: the watchdog passes the request's method,
# path, query and headers as Http_* environment variables, and the body on stdin.
set -eu
echo "method: ${Http_Method:-}"
echo "path:   ${Http_Path:-}"
echo "query:  ${Http_Query:-}"
echo "headers:"
env | grep '^Http_' | grep -v -e '^Http_Method=' -e '^Http_Path=' -e '^Http_Query=' | sort | sed 's/^/  /'
printf 'body:   %s bytes\n' "$(wc -c | tr -d ' ')"
