#!/usr/bin/env python
"USAGE: echoserver.py <port>"
# Seed 004 ("A Python TCP echo server (SocketServer)"), extracted from
# ../shared/seeds/004_0707f6467664f7d7.txt.  Changes to run it:
#  - Python 3: SocketServer -> socketserver, print().
from socketserver import BaseRequestHandler, TCPServer
import sys, socket
class EchoHandler(BaseRequestHandler):
    def handle(self):
        print("Client connected:", self.client_address)
        self.request.sendall(self.request.recv(2**16))
        self.request.close()
if len(sys.argv) != 2:
    print(__doc__)
else:
    TCPServer(('',int(sys.argv[1])), EchoHandler).serve_forever()
