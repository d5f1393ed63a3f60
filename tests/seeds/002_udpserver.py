# Seed 002 (Udpserver.py), extracted from
# ../shared/seeds/002_0f8874b98ab9ed9d.txt.  Changes to run it:
#  - Python 3: print(), "except ... as msg", the bytes encoded/decoded
#    (ASCII);
#  - HOST is '' (the slide's " " is no address), the string the slide's
#    extraction broke over two lines is whole again.
import socket
import sys

HOST = '' # Symbolic name meaning all available interfaces
PORT = 8888 # Arbitrary non-privileged port

# Datagram (udp) socket
try :
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print('Socket created')
except socket.error as msg :
    print('Failed to create socket. Error Code : ' + str(msg))
    sys.exit()

# Bind socket to local host and port
try:
    s.bind((HOST, PORT))
except socket.error as msg:
    print('Bind failed. Error Code : ' + str(msg))
    sys.exit()

print('Socket bind complete')

#now keep talking with the client
while 1:
    # receive data from client (data, addr)
    d = s.recvfrom(1024)
    data = d[0].decode()
    addr = d[1]
    if not data:
        break
    reply = 'OK...' + data
    s.sendto(reply.encode() , addr)
    print('Message[' + addr[0] + ':' + str(addr[1]) + '] - ' + data.strip())

s.close()
