#!/bin/bash
# git_commit.sh SCRIPT WORKDIR -- cmake/git_commit.cmake, the commit every binary records, on a
# scratch repository: the commit's hash; "-dirty" once a tracked file changes (an untracked one
# does not count); a new commit's hash without CMake configuring again; "unknown" outside git
# and for a source folder that is not its repository's top (a tarball unpacked in another
# repository); the generated file left untouched when the text is the same (no needless relinks).
SCRIPT=$1 WORK=$2
. "$(dirname "$0")/testlib.sh"
fresh_work "$WORK"
cd "$WORK" || exit 1
gen() { cmake -DSRC="$1" -DOUT="$WORK/gen.c" -P "$SCRIPT" && sed -n 's/^const char pb_git_commit\[\] = "\(.*\)";$/\1/p' gen.c; }
mkdir repo && git -C repo init -q && echo a >repo/f && git -C repo add f &&
    git -C repo -c user.name=t -c user.email=t@t commit -q -m one || { fail "cannot make a scratch repository"; finish; exit 1; }
c1=$(git -C repo rev-parse --short=12 HEAD)
[ "$(gen repo)" = "$c1" ] && ok "clean tree: $c1" || fail "clean tree: $(gen repo), expected $c1"
t1=$(stat -c %Y.%y gen.c) && sleep 1.1 && gen repo >/dev/null
[ "$(stat -c %Y.%y gen.c)" = "$t1" ] && ok "same commit: gen.c not rewritten" || fail "same commit: gen.c rewritten"
echo new >repo/untracked
[ "$(gen repo)" = "$c1" ] && ok "an untracked file: still $c1" || fail "an untracked file: $(gen repo)"
echo b >repo/f
[ "$(gen repo)" = "$c1-dirty" ] && ok "a changed tracked file: $c1-dirty" || fail "changed tracked file: $(gen repo), expected $c1-dirty"
git -C repo -c user.name=t -c user.email=t@t commit -q -am two
c2=$(git -C repo rev-parse --short=12 HEAD)
[ "$(gen repo)" = "$c2" ] && [ "$c2" != "$c1" ] && ok "a new commit, no configure: $c2" || fail "new commit: $(gen repo), expected $c2"
mkdir -p plain repo/sub
[ "$(gen plain)" = unknown ] && ok "outside git (or inside another repository): unknown" || fail "outside git: $(gen plain)"
[ "$(gen repo/sub)" = unknown ] && ok "a folder inside a repository, not its top: unknown" || fail "repo/sub: $(gen repo/sub)"
finish
