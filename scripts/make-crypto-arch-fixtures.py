#!/usr/bin/python3
"""
Regenerates fixtures/crypto/ and fixtures/arch32/: pstore/blk images of the
kinds no Debian kernel writes, built here from the kernel's struct definitions.

- crypto/: dmesg records compressed as crypto/<alg>.c of Linux 4.19 .. 6.5
  compresses them (lz4, lz4hc: one raw LZ4 block; lzo: one raw LZO1X-1 block;
  zstd: one frame at level 3), by Debian's reference libraries
  (python3-lz4, python3-lzo, python3-zstandard). The text is what a real
  Linux 6.12 kernel wrote to pstore (fixtures/virtio-1m-kmsg64-plain).
- arch32/: the same text uncompressed, and ftrace records, in the 32-bit
  layouts: struct psz_kmsg_header is 28 bytes on i386 (u64 aligned to 4) and
  40 on arm (u64 aligned to 8, tv_nsec a 4-byte long); struct
  pstore_ftrace_record is 16 bytes on both.

Run with Debian's python3 (the libraries are Debian packages):
  /usr/bin/python3 scripts/make-crypto-arch-fixtures.py
"""
import gzip
import hashlib
import json
import os
import struct

import lz4.block
import lzo
import zstandard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, 'fixtures', 'virtio-1m-kmsg64-plain.kernel-read')
PSZ_SIG = 0x43474244
KMSG_MAGIC = 0x4DFC3AE5
PSZ_BUFFER_SIZE = 12
TYPE_DMESG, TYPE_FTRACE = 0, 3
REASON_OOPS, REASON_PANIC = 2, 1
REASON_NAMES = {1: 'Panic', 2: 'Oops'}
KIB = 1024

# struct psz_kmsg_header per ABI: (tv_sec offset, tv_nsec offset and size,
# compressed, counter, reason, sizeof).
KMSG_HEADER = {
    'lp64': dict(tv_sec=8, tv_nsec=16, nsec_size=8, compressed=24, counter=28, reason=32, size=40),
    'arm': dict(tv_sec=8, tv_nsec=16, nsec_size=4, compressed=24, counter=28, reason=32, size=40),
    'i386': dict(tv_sec=4, tv_nsec=12, nsec_size=4, compressed=16, counter=20, reason=24, size=28),
}
# struct pstore_ftrace_record: ip, parent_ip are unsigned long; ts is u64.
FTRACE_RECORD = {'lp64': ('<QQQ', 24), 'arm': ('<IIQ', 16), 'i386': ('<IIQ', 16)}


def kernel_text(name):
    """A dmesg record a real kernel wrote, without the reader's "<Reason>: Total N times" line."""
    with open(os.path.join(SOURCE, name), 'rb') as f:
        data = f.read()
    return data[data.index(b'\n') + 1:]


def dump_text(text, reason, count):
    """pstore_dump()'s buffer: its own "<Reason>#<n> Part1" line, then the log lines."""
    body = text[text.index(b'\n') + 1:]
    return f'{REASON_NAMES[reason]}#{count} Part1\n'.encode() + body


def kmsg_zone(zone_size, abi, payload, compressed, sec, counter, reason):
    h = KMSG_HEADER[abi]
    zone = bytearray(zone_size)
    struct.pack_into('<Iii', zone, 0, PSZ_SIG ^ TYPE_DMESG, h['size'] + len(payload), 0)
    at = PSZ_BUFFER_SIZE
    struct.pack_into('<I', zone, at, KMSG_MAGIC)
    struct.pack_into('<q', zone, at + h['tv_sec'], sec)
    struct.pack_into('<q' if h['nsec_size'] == 8 else '<i', zone, at + h['tv_nsec'], 0)
    zone[at + h['compressed']] = 1 if compressed else 0
    struct.pack_into('<II', zone, at + h['counter'], counter, reason)
    zone[at + h['size']:at + h['size'] + len(payload)] = payload
    return bytes(zone)


def ftrace_zone(zone_size, records):
    zone = bytearray(zone_size)
    struct.pack_into('<Iii', zone, 0, PSZ_SIG ^ TYPE_FTRACE, len(records), len(records))
    zone[PSZ_BUFFER_SIZE:PSZ_BUFFER_SIZE + len(records)] = records
    return bytes(zone)


def write_fixture(folder, name, image, sidecar, expected):
    os.makedirs(os.path.join(ROOT, 'fixtures', folder, f'{name}.expected'), exist_ok=True)
    with open(os.path.join(ROOT, 'fixtures', folder, f'{name}.img.gz'), 'wb') as f:
        with gzip.GzipFile(fileobj=f, mode='wb', mtime=0, filename='') as g:
            g.write(image)
    records = []
    for fname, data, extra in expected:
        with open(os.path.join(ROOT, 'fixtures', folder, f'{name}.expected', fname), 'wb') as f:
            f.write(data)
        records.append(dict(name=fname, size=len(data), sha256=hashlib.sha256(data).hexdigest(), **extra))
    sidecar = dict(
        fixture=name,
        image_file=f'{name}.img.gz',
        image_size=len(image),
        image_sha256=hashlib.sha256(image).hexdigest(),
        written_by='scripts/make-crypto-arch-fixtures.py (crafted from the kernel struct definitions; not written by a kernel)',
        **sidecar,
        records_expected=records,
    )
    with open(os.path.join(ROOT, 'fixtures', folder, f'{name}.json'), 'w') as f:
        json.dump(sidecar, f, indent=2)
        f.write('\n')


# crypto/<alg>.c, each storing one raw block or frame.
COMPRESSORS = {
    # LZ4_compress_default(): acceleration 1.
    'lz4': lambda data, i: lz4.block.compress(data, mode='default', store_size=False),
    # LZ4_compress_HC() at LZ4HC_DEFAULT_CLEVEL (9).
    'lz4hc': lambda data, i: lz4.block.compress(data, mode='high_compression', compression=9, store_size=False),
    # lzo1x_1_compress(): level 1 of python-lzo, header=False for the raw block.
    'lzo': lambda data, i: lzo.compress(data, 1, False),
    # ZSTD_compressCCtx() at ZSTD_DEF_LEVEL 3: one frame. zstd 1.4 (5.16+) states the
    # content size; 1.3's ZSTD_getParams() left contentSizeFlag 0, so dump 1 goes without.
    'zstd': lambda data, i: zstandard.ZstdCompressor(level=3, write_content_size=(i == 0)).compress(data),
}
LIBRARIES = {
    'lz4': f'python3-lz4 {lz4.VERSION} (liblz4 {lz4.library_version_string()})',
    'lz4hc': f'python3-lz4 {lz4.VERSION} (liblz4 {lz4.library_version_string()})',
    'lzo': f'python3-lzo ({lzo.LZO_VERSION_STRING.decode() if isinstance(lzo.LZO_VERSION_STRING, bytes) else lzo.LZO_VERSION_STRING})',
    'zstd': f'python3-zstandard {zstandard.__version__} (libzstd {zstandard.ZSTD_VERSION})',
}


def crypto_fixtures():
    zone_size = 64 * KIB
    texts = [dump_text(kernel_text('dmesg-pstore_blk-0'), REASON_OOPS, 1), dump_text(kernel_text('dmesg-pstore_blk-1'), REASON_PANIC, 2)]
    for alg, compress in COMPRESSORS.items():
        name = f'crypto-256k-kmsg64-{alg}'
        zones, expected = [], []
        for i, (text, reason, sec) in enumerate(zip(texts, (REASON_OOPS, REASON_PANIC), (1767225600, 1767225601))):
            payload = compress(text, i)
            zones.append(kmsg_zone(zone_size, 'lp64', payload, True, sec, 1, reason))  # first Oops, first Panic
            expected.append((f'dmesg-pstore_blk-{i}', text, dict(mtime=sec, reason=REASON_NAMES[reason], algorithm='lz4' if alg == 'lz4hc' else alg, stored_size=len(payload))))
        image = b''.join(zones) + bytes(256 * KIB - len(zones) * zone_size)
        write_fixture('crypto', name, image, dict(
            description=f'kmsg only, two dumps compressed with {alg} as crypto/{alg}.c of Linux 4.19..6.5 stores them; '
                        'the text is what Linux 6.12 wrote to fixtures/virtio-1m-kmsg64-plain'
                        + ('; the Panic frame has no content size, as before 5.16 (zstd 1.3)' if alg == 'zstd' else ''),
            compressed_with=LIBRARIES[alg],
            kernel_era='5.11 .. 6.5 (crypto API compression)',
            arch='x86_64',
            cpus=1,
            module_params={'pstore_blk.kmsg_size': 64, 'pstore_blk.pmsg_size': 0, 'pstore_blk.console_size': 0,
                           'pstore_blk.ftrace_size': 0, 'pstore.compress': alg},
        ), expected)


def ftrace_records(abi, cpu, count, first_seq, ips):
    fmt, size = FTRACE_RECORD[abi]
    out = bytearray()
    recs = []
    for n in range(count):
        seq = first_seq + 2 * n
        ip, parent = ips[n % len(ips)]
        ts = (seq << 8) | cpu
        out += struct.pack(fmt, ip, parent, ts)
        recs.append((seq, cpu, ip, parent))
    return bytes(out), recs


def arch_fixtures():
    text = kernel_text('dmesg-pstore_blk-0')
    # 32-bit kernel text addresses: i386 and arm map the kernel at 0xc0000000.
    ips = [(0xC10A2B40, 0xC10A3010), (0xC1234560, 0xC10A2B80), (0xC1500000, 0xC1234590)]
    for abi in ('i386', 'arm'):
        name = f'{abi}-64k-kmsg16-ftrace8'
        ftrace_size, cpus, kmsg_size = 8 * KIB, 2, 16 * KIB
        per_cpu = ftrace_size // cpus
        zones, all_recs = [], []
        for cpu in range(cpus):
            data, recs = ftrace_records(abi, cpu, 40, cpu, ips)
            zones.append(ftrace_zone(per_cpu, data))
            all_recs += recs
        body = dump_text(text, REASON_PANIC, 1)
        h = KMSG_HEADER[abi]
        payload = body[:kmsg_size - PSZ_BUFFER_SIZE - h['size']]
        zones.append(kmsg_zone(kmsg_size, abi, payload, False, 1767225600, 1, REASON_PANIC))
        image = b''.join(zones)
        image += bytes(64 * KIB - len(image))
        lines = ''.join(f'CPU:{cpu} ts:{seq} {ip:08x}  {parent:08x}  0x{ip:x} <- 0x{parent:x}\n' for seq, cpu, ip, parent in sorted(all_recs))
        expected = [
            ('dmesg-pstore_blk-0', b'Panic: Total 1 times\n' + payload, dict(mtime=1767225600, reason='Panic')),
            ('ftrace-pstore_blk-0', lines.encode(), dict(binary_size=len(all_recs) * FTRACE_RECORD[abi][1])),
        ]
        write_fixture('arch32', name, image, dict(
            description=f'{abi}: one uncompressed Panic dump with the {h["size"]}-byte psz_kmsg_header of {abi} and '
                        f'{cpus} ftrace zones of {FTRACE_RECORD[abi][1]}-byte pstore_ftrace_records; crafted from the '
                        'struct definitions (fs/pstore/zone.c, include/linux/pstore.h), no 32-bit kernel wrote it',
            arch=abi,
            cpus=cpus,
            module_params={'pstore_blk.kmsg_size': 16, 'pstore_blk.pmsg_size': 0, 'pstore_blk.console_size': 0,
                           'pstore_blk.ftrace_size': 8, 'pstore.compress': 'none'},
        ), expected)


if __name__ == '__main__':
    crypto_fixtures()
    arch_fixtures()
