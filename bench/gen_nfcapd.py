#!/usr/bin/env python3
# Bench-only generator: N varied V3 records (TCP/UDP IPv4, generic flow + ipv4 + misc elements,
# layouts from nfdump v1.7.1 nffileV2.h/nfxV3.h) in uncompressed 1 MB blocks. Usage: gen_nfcapd.py OUT N
import struct, random, sys
n = int(sys.argv[2]); out = open(sys.argv[1], 'wb')
random.seed(1)
hdr = bytearray(40)
struct.pack_into('<HHIqBBHIqII', hdr, 0, 0xA50C, 2, 0x01070100, 1700000000, 0, 0, 0, 0, 0, 0, 0)
out.write(hdr)
rec_size = 12 + 52 + 12 + 20
per_block = (1048576 - 12) // rec_size
base = 1700000000000
done = 0; nblocks = 0
while done < n:
    k = min(per_block, n - done)
    parts = []
    for i in range(k):
        j = done + i
        first = base + j * 3
        proto = 6 if j % 4 else 17
        parts.append(struct.pack('<HHHBBHBB', 11, rec_size, 3, 0, 0, 1, 0, 9) +
                     struct.pack('<HHQQQQQHHBBBB', 1, 52, first, first + (j % 5000), first + 6000, 1 + j % 97, 40 + j % 9000,
                                 1024 + j % 60000, 3333 if j % 3 == 0 else 443, proto, 0x1b if proto == 6 else 0, 0, j % 4) +
                     struct.pack('<HHII', 2, 12, 0x0a000000 | (j * 2654435761 & 0xffffff), 0xc0a80000 | (j & 0xffff)) +
                     struct.pack('<HHIIBBBBBBBB', 4, 20, j % 8, (j + 1) % 8, 0, 0, 0, 0, 0, 0, 0, 0))
    data = b''.join(parts)
    out.write(struct.pack('<IIHH', k, len(data), 3, 0)); out.write(data)
    done += k; nblocks += 1
out.seek(36); out.write(struct.pack('<I', nblocks))
