#!/usr/bin/env bash
# Lints the C++ sources: clang-tidy (the checks of .clang-tidy) over every project .cpp, and the
# 100-column limit over every project .cpp/.hpp. Exits non-zero on any finding and ends with a
# count per check.
#   scripts/lint.sh [--changed] [-j N] [--build-dir DIR]
#     --changed       only the files changed against main (committed, staged, unstaged, untracked);
#                     a changed header brings in the .cpp next to it of the same name
#     -j N            parallel clang-tidy processes (default FAAS_LINT_JOBS or 2), run under nice
#     --build-dir DIR where compile_commands.json is (default FAAS_BUILD_DIR or build-asan/); a
#                     missing one is configured as scripts/build.sh sanitize does (no compiling)
# The full clang-tidy output is kept in DIR/lint/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${FAAS_LINT_JOBS:-2}"
dir="${FAAS_BUILD_DIR:-$root/build-asan}"
changed=0
while (($#)); do
    case "$1" in
        --changed) changed=1 ;;
        -j) jobs="$2"; shift ;;
        -j*) jobs="${1#-j}" ;;
        --build-dir) dir="$2"; shift ;;
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "lint: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [[ ! "$jobs" =~ ^[1-9][0-9]*$ ]]; then
    echo "lint: -j wants a positive number, got '$jobs'" >&2
    exit 2
fi
if ! command -v clang-tidy >/dev/null; then
    echo "lint: clang-tidy not found (apt-get install clang-tidy)" >&2
    exit 2
fi

dirs=(core gateway provider queue-worker watchdog callbacks cli tests bench)
cd "$root"

# The files to lint, relative to the root: sources for the column check, .cpp for clang-tidy.
list_sources() {
    if ((changed)); then
        local base
        base="$(git merge-base main HEAD)"
        { git diff --name-only --diff-filter=d "$base" -- "${dirs[@]}"
          git ls-files --others --exclude-standard -- "${dirs[@]}"; } | sort -u
    else
        git ls-files --cached --others --exclude-standard -- "${dirs[@]}" | sort -u
    fi | grep -E '\.(cpp|hpp)$' | while read -r f; do [[ -f "$f" ]] && echo "$f"; done || true
}
mapfile -t sources < <(list_sources)
mapfile -t units < <(for f in "${sources[@]}"; do
    case "$f" in
        *.cpp) echo "$f" ;;
        *.hpp) [[ -f "${f%.hpp}.cpp" ]] && echo "${f%.hpp}.cpp" ;;
    esac
done | sort -u)

if ((${#sources[@]} == 0)); then
    echo "lint: no C++ source to check"
    exit 0
fi

if [[ ! -f "$dir/compile_commands.json" ]] && ((${#units[@]})); then
    echo "lint: configuring $dir for compile_commands.json"
    cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DFAAS_SANITIZE=address,undefined -DFAAS_WERROR=ON >/dev/null
fi

out="$dir/lint"
rm -rf "$out"
mkdir -p "$out"
start=$SECONDS

# clang-tidy, one process per translation unit; each writes its own log so output never mixes.
if ((${#units[@]})); then
    echo "lint: clang-tidy over ${#units[@]} files, -j$jobs ($dir/compile_commands.json)"
    printf '%s\n' "${units[@]}" | xargs -P "$jobs" -I{} sh -c '
        log="$1/$(echo "$2" | tr / _).log"
        nice -n 10 clang-tidy -p "$3" --quiet "$2" >"$log" 2>&1 || echo "$2" >>"$1/failed.$$"
        echo "  $2"' _ "$out" {} "$dir"
fi

# A finding is "<file>:<line>:<col>: warning|error: <text> [<check>,...]". A header's findings
# repeat once per file that includes it: keep each once.
findings="$out/findings.txt"
cat "$out"/*.log 2>/dev/null \
    | grep -E '^/[^:]+:[0-9]+:[0-9]+: (warning|error): .*\[[A-Za-z0-9_.,-]+\]$' \
    | sed -E "s#^$root/##; s#,-warnings-as-errors\]\$#]#" | sort -u \
    | sort -t: -k1,1 -k2,2n -k3,3n >"$findings" || true

# Lines over 100 columns (characters, not bytes: comments hold UTF-8 dashes and arrows).
long="$out/columns.txt"
printf '%s\n' "${sources[@]}" | xargs -r env LC_ALL=C.UTF-8 grep -nE '^.{101,}$' /dev/null \
    | sed -E 's#^([^:]+:[0-9]+):.*$#\1:1: warning: line over 100 columns [columns-100]#' \
    >"$long" || true

cat "$findings" "$long"
# clang-tidy failed without a finding of ours: a compile error in the unit, or tidy crashed.
broken=0
for f in "$out"/failed.*; do
    [[ -e "$f" ]] || continue
    while read -r unit; do
        log="$out/$(echo "$unit" | tr / _).log"
        if ! grep -qE ': (warning|error): .*\[[A-Za-z0-9_.,-]+\]$' "$log"; then
            echo "lint: clang-tidy failed on $unit without a finding, see $log"
            broken=$((broken + 1))
        fi
    done <"$f"
done

total=$(cat "$findings" "$long" | wc -l)
echo
echo "lint: findings per check ($((SECONDS - start)) s, ${#units[@]} tidy units," \
     "${#sources[@]} files for columns):"
cat "$findings" "$long" | sed -E 's#.*\[([A-Za-z0-9_.,-]+)\]$#\1#' | tr , '\n' | sort | uniq -c \
    | sort -rn | sed 's/^/  /'
echo "lint: $total findings"
((total == 0 && broken == 0))
