#!/bin/bash
# Fixtures of the crypto-API compression era (issue 15 item 7), with Linux 6.1 under QEMU:
#   1. images Linux 6.1 wrote (kernel-write), read back by it (NAME.kernel-read/);
#   2. a card our board wrote with --kernel 6.1, read by Linux 6.1 as its whole SD card.
# Usage: scripts/make-linux61-fixtures.sh ORACLE_DIR   (ORACLE_DIR: ../shared/oracle after
#        `KVER=6.1.0-57-amd64 ./setup.sh`). Writes into fixtures/ (linux61-*, card-61-*).
set -euo pipefail
ORACLE=$(cd "${1:?usage: $0 ORACLE_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ORACLE_KVER=${ORACLE_KVER:-6.1.0-57-amd64}
FX=$ROOT/fixtures
WORK=$(mktemp -d /tmp/linux61-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$FX"

keep_read() { # keep_read NAME IMAGE READ_DIR: image, sidecar-ready index and the files Linux showed
	local name=$1 image=$2 read=$3
	rm -rf "$FX/$name.kernel-read" "$FX/$name.img.gz"
	mkdir -p "$FX/$name.kernel-read"
	cp "$read"/*-pstore_blk-* "$FX/$name.kernel-read/"
	python3 - "$read/index.json" "$FX/$name.kernel-read/index.json" "$name.img" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["image"] = sys.argv[3]
json.dump(d, open(sys.argv[2], "w"), indent=2)
open(sys.argv[2], "a").write("\n")
PY
	gzip -9n < "$image" > "$FX/$name.img.gz"
}

kernel_fixture() { # kernel_fixture NAME KERNEL-WRITE-ARGS...
	local name=$1; shift
	echo "== $name (written by Linux $ORACLE_KVER)"
	"$ORACLE/kernel-write" "$WORK/$name.img" "$@" --report "$WORK/$name.json" --verify-out "$WORK/$name.kernel-read" --timeout 900 -q
	python3 "$ORACLE/oracle.py" _sidecar "$WORK/$name.json" "$WORK/$name.kernel-read" "$FX/$name.json"
	keep_read "$name" "$WORK/$name.img" "$WORK/$name.kernel-read"
}

# 1 MiB, 16 kmsg zones, deflate through the crypto API, 3 boots (Shutdown | Oops | Shutdown+Oops)
kernel_fixture linux61-1m-kmsg64-deflate --size 1 --kmsg-size 64 --max-reason 4 --tag L61A
# 256 KiB through sdhci-pci/mmc_block, 7 dumps over 4 zones: the ring wraps
kernel_fixture linux61-256k-kmsg64-mmc-wrap --size 0.25 --kmsg-size 64 --max-reason 4 --tag L61B --device mmc \
	--boot "dump:4:L61B-B1-SHUTDOWN-a,sleep:1,dump:4:L61B-B1-SHUTDOWN-b,sleep:1" \
	--boot "dump:3:L61B-B2-EMERG,sleep:1,oops:L61B-B2-OOPS,sleep:2" \
	--boot "dump:4:L61B-B3-SHUTDOWN-a,sleep:1,dump:4:L61B-B3-SHUTDOWN-b,sleep:1,oops:L61B-B3-OOPS,sleep:2"

# our board, --kernel 6.1: an oops (deferred, flushed) and a panic through the emulated card
name=card-61-64m-oops-panic
echo "== $name (written by mmcpstore --kernel 6.1, read by Linux $ORACLE_KVER)"
MM=("node" "$ROOT/bin/mmcpstore.js")
P=(--kmsg-size 64 --kernel 6.1)
export SOURCE_DATE_EPOCH=1735689600
"${MM[@]}" mkimage -i "$WORK/card.img" --size 64M --pstore-size 1M -q
"${MM[@]}" oops -i "$WORK/card.img" "${P[@]}" -q -m "linux 6.1 oracle fixture oops"
"${MM[@]}" panic -i "$WORK/card.img" "${P[@]}" -q -m "linux 6.1 oracle fixture panic"
unset SOURCE_DATE_EPOCH
"$ORACLE/kernel-read" "$WORK/card.img" --device mmc --as-card --blkdev /dev/mmcblk0p6 -o "$WORK/card.kernel-read" --kmsg-size 64 --timeout 900 -q
keep_read "$name" "$WORK/card.img" "$WORK/card.kernel-read"
python3 - "$WORK/card.kernel-read/index.json" "$FX/$name.json" "$FX/$name.img.gz" <<'PY'
import hashlib, gzip, json, sys
idx = json.load(open(sys.argv[1]))
img = gzip.open(sys.argv[3]).read()
side = {
    "fixture": "card-61-64m-oops-panic",
    "image_file": "card-61-64m-oops-panic.img.gz",
    "image_size": len(img),
    "image_sha256": hashlib.sha256(img).hexdigest(),
    "written_by": "mmcpstore (this repository) with --kernel 6.1: mkimage + oops + panic through the emulated SDHCI controller and eMMC card; read by a real Linux 6.1 kernel, see README.md",
    "kernel": idx.get("kernel"),
    "qemu": idx.get("qemu"),
    "device": "mmc",
    "blkdev": "/dev/mmcblk0p6",
    "module_params": {"pstore_blk.kmsg_size": 64},
    "commands": [
        "SOURCE_DATE_EPOCH=1735689600 mmcpstore mkimage -i card.img --size 64M --pstore-size 1M",
        "SOURCE_DATE_EPOCH=1735689600 mmcpstore oops -i card.img --kmsg-size 64 --kernel 6.1 -m \"linux 6.1 oracle fixture oops\"",
        "SOURCE_DATE_EPOCH=1735689600 mmcpstore panic -i card.img --kmsg-size 64 --kernel 6.1 -m \"linux 6.1 oracle fixture panic\"",
        "ORACLE_KVER=6.1.0-57-amd64 oracle/kernel-read card.img --device mmc --as-card --blkdev /dev/mmcblk0p6 -o OUT --kmsg-size 64",
    ],
    "records_reported_by_kernel": [{k: r[k] for k in ("name", "size", "mtime", "sha256", "reason", "count") if k in r} for r in idx["records"]],
    "pstore_dmesg": idx.get("pstore_dmesg", []),
}
json.dump(side, open(sys.argv[2], "w"), indent=2)
open(sys.argv[2], "a").write("\n")
PY
ls -la "$FX"
