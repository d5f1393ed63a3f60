# Seed 003 ("A UDP client", prog3.py), extracted from
# ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run it:
#  - Python 3: raw_input -> input, print(), "except ... as msg", the bytes
#    encoded/decoded (ASCII);
#  - host is '127.0.0.1' instead of 'localhost'.
# It loops until its input ends (EOFError): the test gives it a bounded
# input.
import socket   #for sockets
import sys  #for exit

# create dgram udp socket
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
except socket.error:
    print('Failed to create socket')
    sys.exit()

host = '127.0.0.1';
port = 8888;

while(1) :
    msg = input('Enter message to send : ')

    try :
        #Set the whole string
        s.sendto(msg.encode(), (host, port))

        # receive data from client (data, addr)
        d = s.recvfrom(1024)
        reply = d[0].decode()
        addr = d[1]

        print('Server reply : ' + reply)

    except socket.error as msg:
        print('Error Code : ' + str(msg))
        sys.exit()
