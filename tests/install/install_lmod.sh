#!/bin/bash
# install_lmod.sh BUILD_DIR SOURCE_DIR PREFIX
# 1. cmake --install BUILD_DIR --prefix PREFIX; every release file of analysis/, jobs/ and
#    recipes/ (git ls-files) is in PREFIX/share/platbench with the same executable bit, the
#    programs in PREFIX/bin, the documents in PREFIX/share/doc/platbench, the modulefile.
# 2. In a clean shell (env -i, bash --norc) with Debian's Lmod: module use + module load
#    platbench; from a folder outside the source tree: platbench version, plan on a copy of
#    the installed jobs/ templates, a one-experiment campaign (bare, installed tiny model,
#    Fashion-MNIST, 3 steps) under mpirun, platbench-report on its file, platbench compare of
#    it with a second run (analysis/compare.py found in the installation), the installed
#    recipes/build-images.sh (ONLY=none: version from the installation), module unload.
set -uo pipefail
build=${1:?usage: install_lmod.sh BUILD_DIR SOURCE_DIR PREFIX}
src=${2:?} prefix=${3:?}
. "$(dirname "$0")/user_shell.sh"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
[ -f "$lmod_init" ] || { echo "FAIL: $lmod_init not found: apt-get install lmod"; exit 1; }
version=$(sed -n 's/^project(platbench VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")

rm -rf "$prefix"
t0=$(date +%s%N)
if ! cmake --install "$build" --prefix "$prefix" >"$prefix.log" 2>&1; then
    cat "$prefix.log"; echo "FAIL: cmake --install"; exit 1
fi
echo "cmake --install $build --prefix $prefix: $(grep -c 'Installing:' "$prefix.log") files"

# --- 1. the layout -----------------------------------------------------------------------
share=$prefix/share/platbench
if files=$(git -C "$src" ls-files analysis jobs recipes 2>/dev/null) && [ -n "$files" ]; then
    n=0 before=$fails
    while IFS= read -r f; do
        n=$((n + 1))
        if [ ! -f "$share/$f" ]; then
            fail "$f not installed as $share/$f"
        else
            want_x=no has_x=no
            [ "$(git -C "$src" ls-files -s "$f" | cut -c1-6)" = 100755 ] && want_x=yes
            [ -x "$share/$f" ] && has_x=yes
            [ $want_x = $has_x ] || fail "$share/$f: executable $has_x, git's mode of $f says $want_x"
        fi
    done <<<"$files"
    [ "$fails" = "$before" ] && ok "$n release files of analysis/ jobs/ recipes/ in share/platbench, executable bits kept"
else
    echo "note: $src is not a git checkout: the file-by-file comparison is skipped"
fi
for f in bin/platbench bin/platbench-cnn bin/platbench-report; do
    [ -x "$prefix/$f" ] || fail "$prefix/$f missing or not executable"
done
for f in README.md jobs/README.md analysis/SCHEMA.md analysis/README.md recipes/README.md src/cnn/OUTPUT.md; do
    [ -f "$prefix/share/doc/platbench/$f" ] || fail "document $f not in $prefix/share/doc/platbench"
done
modulefile=$prefix/modulefiles/platbench/$version.lua
[ -f "$modulefile" ] || fail "modulefile $modulefile missing"
if find "$share" -name '__pycache__' -o -name '*.h5' | grep -q .; then
    fail "working-tree files (__pycache__, *.h5) were installed: $(find "$share" -name '__pycache__' -o -name '*.h5')"
fi
[ "$fails" = 0 ] && ok "bin/, share/doc/platbench/, modulefiles/platbench/$version.lua"

# --- 2. a user's clean shell with Lmod, outside the source tree ---------------------------
away=$(mktemp -d "${TMPDIR:-/tmp}/pbinstall.XXXXXX")
trap 'rm -rf "$away"' EXIT
case $away in "$src"/*) fail "$away is inside the source tree"; exit 1 ;; esac
mkdir -p "$away/home"
# shellcheck disable=SC2016 # expanded by the clean shell
user_script='
version=$2
module -t list 2>&1 | grep -qx "platbench/$version" || { echo "FAIL: platbench/$version not loaded"; exit 1; }
module whatis platbench 2>&1 | grep -q "Version: $version" || { echo "FAIL: module whatis"; exit 1; }
module help platbench 2>&1 | grep -q "platbench-report" || { echo "FAIL: module help"; exit 1; }
[ "$(command -v platbench)" = "$prefix/bin/platbench" ] || { echo "FAIL: platbench on PATH is $(command -v platbench)"; exit 1; }
[ "$PLATBENCH_SHARE" = "$prefix/share/platbench" ] || { echo "FAIL: PLATBENCH_SHARE=$PLATBENCH_SHARE"; exit 1; }
case ":${PYTHONPATH:-}:" in *":$PLATBENCH_SHARE/analysis:"*) ;; *) echo "FAIL: PYTHONPATH=${PYTHONPATH:-} lacks $PLATBENCH_SHARE/analysis"; exit 1 ;; esac
echo "PATH=$PATH"; echo "PYTHONPATH=$PYTHONPATH"; echo "PLATBENCH_SHARE=$PLATBENCH_SHARE"
must step platbench version
must step /usr/bin/python3 -c "import platbench_analysis as pa; print(\"platbench_analysis from\", pa.__file__)"
# the templates: copied with their folder (paths in a campaign are relative to its file),
# the data set where jobs/quick.cfg expects it (../data/standin): IDX files will do for plan
must step cp -r "$PLATBENCH_SHARE/jobs" jobs
mkdir -p data && ln -s /usr/share/datasets/fashion-mnist data/standin
echo "+ platbench plan jobs/quick.cfg"
must platbench plan jobs/quick.cfg >plan-quick.txt
sed -n "1,/^platforms/p;/^ *bare /p" plan-quick.txt
grep -q "^e0000 " plan-quick.txt || { cat plan-quick.txt; echo "FAIL: plan of jobs/quick.cfg lists no experiment"; exit 1; }
one_cfg 1
must step platbench plan one.cfg
must step mpirun -n 1 platbench run one.cfg -o out/one.h5
must step platbench status out/one.h5
must step platbench-report out/one.h5 --out report
# platbench compare finds the installed analysis/compare.py (through PLATBENCH_SHARE, and
# without it relative to the installed binary): the same campaign twice is no change
must step mpirun -n 1 platbench run one.cfg -o out/two.h5 >/dev/null
must step platbench compare out/one.h5 out/two.h5 --out cmp
[ -s cmp/compare.png ] || { echo "FAIL: platbench compare --out cmp wrote no compare.png"; exit 1; }
must step env -u PLATBENCH_SHARE platbench compare out/one.h5 out/two.h5 >/dev/null
[ -s report/index.html ] || { echo "FAIL: report/index.html not written"; exit 1; }
must step env ONLY=none "$PLATBENCH_SHARE/recipes/build-images.sh" images "$(command -v platbench-cnn)" 2>build-images.txt
cat build-images.txt
read -r _ revision <"$PLATBENCH_SHARE/version.txt"
grep -q "platbench $version (revision $revision)" build-images.txt || { echo "FAIL: build-images.sh did not take the installed version.txt"; exit 1; }
must step module unload platbench
case ":$PATH:" in *":$prefix/"*) echo "FAIL: PATH still has the prefix after unload: $PATH"; exit 1 ;; esac
case ":${PYTHONPATH:-}:" in *":$prefix/"*) echo "FAIL: PYTHONPATH still set after unload: $PYTHONPATH"; exit 1 ;; esac
[ -z "${PLATBENCH_SHARE:-}" ] || { echo "FAIL: PLATBENCH_SHARE still set after unload"; exit 1; }
command -v platbench >/dev/null && { echo "FAIL: platbench still on PATH after unload"; exit 1; }
echo "after unload: PATH=$PATH"
echo "USER-SHELL-OK"
'
cd "$away" || exit 1
user_shell "$away/home" "$user_script" "$prefix" "$version" >"$away/user.log" 2>&1
rc=$?
cat "$away/user.log"
if [ $rc != 0 ] || ! grep -qx USER-SHELL-OK "$away/user.log"; then fail "the user's clean shell (exit $rc)"; fi
ms=$((($(date +%s%N) - t0) / 1000000))
echo "install_lmod: $((ms / 1000)).$((ms % 1000 / 100)) s, $fails failure(s)"
[ "$fails" = 0 ]
