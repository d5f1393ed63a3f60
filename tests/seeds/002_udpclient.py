# Seed 002 (udpclient.py), extracted from
# ../shared/seeds/002_0f8874b98ab9ed9d.txt.  Changes to run it:
#  - Python 3: raw_input -> input, print(), "except ... as msg", the bytes
#    encoded/decoded (ASCII);
#  - host is '127.0.0.1' instead of 'localhost';
#  - the indentation the slide's extraction lost is back.
# It loops until its input ends (EOFError): the test gives it a bounded
# input.
import socket #for sockets
import sys

# create dgram udp socket
try:
    #Call Socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
except socket.error:
    print('Failed to create socket')
    sys.exit()

host = '127.0.0.1';
port = 8888;

while(1) :
    msg = input('Enter message to send : ')

    try :
        #Send the string to the server
        s.sendto(msg.encode(), (host, port))

        # receive data from client (data, addr)
        d = s.recvfrom(1024)
        reply = d[0].decode()
        addr = d[1]

        #display server reply
        print('Server reply : ' + reply)

    except socket.error as msg:
        print('Error Code : ' + str(msg))
        sys.exit()
