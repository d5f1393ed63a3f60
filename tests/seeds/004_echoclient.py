#!/usr/bin/env python
"USAGE: echoclient.py <server> <word> <port>"
# Seed 004 ("A Python TCP echo client"), extracted from
# ../shared/seeds/004_0707f6467664f7d7.txt.  Changes to run it:
#  - Python 3: print() (the trailing comma's softspace as end=""), the
#    bytes encoded/decoded (ASCII); __doc_ -> __doc__, the missing colon
#    after the if.
from socket import * # import *, but we'll avoid name conflict
import sys
if len(sys.argv) != 4:
    print(__doc__)
    sys.exit(0)
sock = socket(AF_INET, SOCK_STREAM)
sock.connect((sys.argv[1], int(sys.argv[3])))
message = sys.argv[2]
messlen, received = sock.send(message.encode()), 0
if messlen != len(message):
    print("Failed to send complete message")
print("Received: ", end="")
while received < messlen:
    data = sock.recv(32)
    sys.stdout.write(data.decode())
    received += len(data)
print()
sock.close()
