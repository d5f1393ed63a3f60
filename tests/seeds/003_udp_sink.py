# Seed 003 ("UDP servers and NCAT": the simplest UDP server), extracted
# from ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run it:
#  - Python 3: print(), data decoded (ASCII).
import socket
port = 5000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", port))
print("waiting on port:", port)
while 1:
    data, addr = s.recvfrom(1024)
    print(data.decode())
