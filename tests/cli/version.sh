#!/usr/bin/env bash
# --version names the version and the build-time revision, and each
# subcommand's --help ends with real examples that parse.
# Usage: version.sh <dmabench command...>   (e.g. qemu-aarch64 -L / dmabench)
set -uo pipefail
. "$(dirname "$0")/../cli_common.sh"

re='^dmabench [0-9][0-9.]* \(git [^ ]+\)$'
v=$("${DB[@]}" --version) && [[ $v =~ $re ]] \
    && ok "--version: $v" || bad "--version printed '$v'"
# Control: the pattern rejects what an unversioned build would print.
[[ "dmabench  (git )" =~ $re ]] && bad "control: an empty version passes the check"

for sub in info list calibrate experiment run report compare lava; do
    "${DB[@]}" "$sub" --help >"$work/$sub.help" 2>&1 || { bad "$sub --help exit"; continue; }
    # The lines after the last "Examples:", each "  dmabench <sub> ...".
    ex=$(sed -n '/^Examples:$/,$p' "$work/$sub.help" | tail -n +2 | sed '/^$/d')
    n=$(grep -c "^  dmabench $sub\b" <<<"$ex")
    [[ $n -ge 2 && $n -le 3 && $n -eq $(wc -l <<<"$ex") ]] \
        && ok "$sub --help ends with $n examples" || bad "$sub --help examples: '$ex'"
done
# Every option an example uses is one its subcommand's --help lists (--help
# itself would stop CLI11 before it checks options, so it cannot judge).
known() {  # known SUB LINE: each -x/--xx of LINE is in SUB's help
    local word
    for word in $2; do
        [[ $word == -* ]] || continue
        grep -qE "^ +(-[a-z], *)?${word}( |,|$)" "$work/$1.help" || return 1
    done
}
for sub in info list calibrate experiment run report compare lava; do
    while read -r line; do
        known "$sub" "$line" && ok "options exist: ${line# }" || bad "unknown option in: ${line# }"
    done < <(grep "^  dmabench $sub\b" "$work/$sub.help")
done
known run "dmabench run --quick --bogus" && bad "control: --bogus passes the option check"
"${DB[@]}" experiment --list | grep -q '^hypercall-vs-call ' && ok "experiment example names a real one" \
    || bad "experiment hypercall-vs-call is not listed"
exit $fail
