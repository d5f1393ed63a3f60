#!/usr/bin/python3
# wait-log.py LOG -- a UDP "wait" program for test_waitmode.sh: reads the
# datagram socket it was given on descriptor 0 and appends one line per
# datagram, "SOURCE-ADDRESS PAYLOAD", to LOG; after a datagram "hold..."
# it sleeps a second (the client meanwhile sends more); it exits after
# 1.5 s without a datagram.
import socket
import sys
import time

log = open(sys.argv[1], "a")
s = socket.socket(fileno=0)
s.settimeout(1.5)
while True:
    try:
        data, peer = s.recvfrom(512)
    except (socket.timeout, BlockingIOError):
        break
    log.write("%s %s\n" % (peer[0], data.decode(errors="replace")))
    log.flush()
    if data.startswith(b"hold"):
        time.sleep(1.0)
