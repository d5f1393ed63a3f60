"""
Demonstration of UDP client. See also socket_udp_server.py.

Seed 000 (19.6.2 UDP Client), extracted from
../shared/seeds/000_3a4d508eab2b8125.txt.  Changes to run it:
 - Python 3: print(), and the bytes encoded/decoded (ASCII);
 - the spaces the text extraction lost are back ("Hello, World!",
   "UDP target IP:", ..., as the tutorial's transcript shows);
 - the line numbers are gone.
It sends forever, every 0.5 s: the test keeps the first lines it prints.
"""

import socket
import time

# Addresses and data
serverip = "127.0.0.1"
serverport = 5006
message = "Hello, World!"

print("UDP target IP:", serverip)
print("UDP target port:", serverport)
print("message:", message)

# Create a UDP datagram socket with address family of IPv4 (INET)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

# Send data forever (or until Ctrl-C)
while True:

      # Send message to server
      sock.sendto(message.encode(), (serverip, serverport))

      # Wait for reply from server (max 1024 bytes)
      data, addr = sock.recvfrom(1024)
      print("received message:", data.decode())

      # Wait for some time before sending the message again
      time.sleep(0.5)
