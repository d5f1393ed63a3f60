#!/usr/bin/env python
"USAGE: echoclient.py <server> <word> <port>"
# Seed 004 ("A Python TCP echo server (socket)"), extracted from
# ../shared/seeds/004_0707f6467664f7d7.txt.  Changes to run it:
#  - Python 3: print();
#  - sock.listen(5) indented back into the else branch.
from socket import *
                       # import *, but we'll avoid name conflict
import sys
def handleClient(sock):
    data = sock.recv(32)
    while data:
        sock.sendall(data)
        data = sock.recv(32)
    sock.close()
if len(sys.argv) != 2:
    print(__doc__)
else:
    sock = socket(AF_INET, SOCK_STREAM)
    sock.bind(('',int(sys.argv[1])))
    sock.listen(5)
    while 1: # Run until cancelled
        newsock, client_addr = sock.accept()
        print("Client connected:", client_addr)
        handleClient(newsock)
