#!/bin/bash
# compare_docker.sh PLATBENCH MODELS_DIR WORKDIR -- compare and replay with the real Docker engine
# (DOCKER_HOST: fixture pf_dockerd; image platbench-compare:a: fixture cmp_image). The
# campaign's platform uses the tag platbench-compare:run, pointed at one image or another:
#   A, B on image a                        -> compare exit 0; replay A 0 bit-identical, exit 0
#   C after the tag was moved to image b   -> compare exit 1 naming the docker image_id change
#     (b = a plus one label, made with docker commit: same files, another image ID)
#   replay A 0 while the tag points to b   -> refused, exit 2, both IDs named; --force: runs
PB=$1 MODELS=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # set -u, a fresh $WORK entered; write_cfg, run_campaign, expect_rc
DOCKER=${DOCKER:-docker}
$DOCKER image inspect platbench-compare:a >/dev/null || { echo "FAIL: image platbench-compare:a missing (fixture cmp_image)"; exit 1; }
trap '$DOCKER rmi platbench-compare:run platbench-compare:b >/dev/null 2>&1' EXIT
$DOCKER tag platbench-compare:a platbench-compare:run || exit 1
id_a=$($DOCKER image inspect -f '{{.Id}}' platbench-compare:a)
write_cfg d.cfg 1 4 '{ name = "docker"; kind = "docker"; image = "platbench-compare:run"; }'
run_campaign d.cfg A.h5 && run_campaign d.cfg B.h5 || exit 1
if expect_rc 0 same.txt "$PB" compare A.h5 B.h5 --time-tolerance 1.0; then
    grep -q "^NO CHANGE beyond noise" same.txt || fail "same image twice: no NO CHANGE line"
    grep -Eq "^  3 identical$" same.txt || fail "same image twice: not every curve identical"
    ok "docker, same image twice: no change, exit 0"
fi
if expect_rc 0 r1.txt "$PB" replay A.h5 0; then
    grep -q "^platbench replay: IDENTICAL: all 4 steps" r1.txt || fail "docker replay: no IDENTICAL line"
    grep -q "platform docker (docker).*recorded image $id_a" r1.txt || fail "docker replay: image $id_a not named"
    ok "docker replay of A 0: bit-identical, exit 0"
fi
cid=$($DOCKER create platbench-compare:a /usr/local/bin/platbench-cnn) &&
    $DOCKER commit --change 'LABEL platbench.compare.test=changed' "$cid" platbench-compare:b >/dev/null &&
    $DOCKER rm "$cid" >/dev/null && $DOCKER tag platbench-compare:b platbench-compare:run || exit 1
id_b=$($DOCKER image inspect -f '{{.Id}}' platbench-compare:b)
[ "$id_a" != "$id_b" ] || { echo "FAIL: docker commit gave the same image ID"; exit 1; }
echo "image a $id_a, image b $id_b (tag platbench-compare:run -> b)"
run_campaign d.cfg C.h5 || exit 1
if expect_rc 1 image.txt "$PB" compare A.h5 C.h5 --time-tolerance 1.0; then
    grep -q "CHANGED: platform docker: image_id: $id_a -> $id_b" image.txt || fail "image change not named"
    ok "docker image changed: named, exit 1"
fi
if expect_rc 2 r2.txt "$PB" replay A.h5 0 -o r2.h5; then
    grep -q "refused: the image of platform docker (docker) changed: recorded $id_a, now $id_b" r2.txt ||
        fail "changed image: refusal does not name both IDs"
    [ ! -e r2.h5 ] || fail "refused replay wrote r2.h5"
    ok "replay with a changed image: refused, exit 2"
fi
if expect_rc 0 r3.txt "$PB" replay A.h5 0 -o r3.h5 --force; then
    grep -q "force: image of docker changed" r3.txt || fail "--force: the changed image not said"
    ok "replay --force on the changed image: runs (same files: bit-identical)"
fi
finish
