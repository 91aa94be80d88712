#!/bin/bash
# check_format.sh CLANG_FORMAT SOURCE_DIR: fails, naming each file, when a C file of src/ or tests/ is
# not as .clang-format formats it (fix: clang-format -i FILE).
set -u
fmt=$1 src=$2
version=$("$fmt" --version)
case $version in
*" 14."*) ;;
*) echo "check_format: $fmt is \"$version\"; the style is checked with clang-format 14 (Debian 12's)"; exit 1 ;;
esac
cd "$src" || exit 1
mapfile -t files < <(git ls-files 'src/*.[ch]' 'tests/*.[ch]' 2>/dev/null || find src tests -name '*.[ch]')
[ ${#files[@]} -gt 0 ] || { echo "check_format: no C files found under $src"; exit 1; }
bad=0
for f in "${files[@]}"; do
    if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "check_format: $f is not formatted (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
echo "check_format: ${#files[@]} files, $bad not formatted"
[ $bad -eq 0 ]
