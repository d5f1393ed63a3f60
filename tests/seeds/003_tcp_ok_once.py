# Seed 003 (the "live server", prog9.py): one "OK..." reply per
# connection; the connection is dropped only when the next one is
# accepted (conn is rebound and the old socket collected).  Extracted from
# ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run it:
#  - Python 3: print(), "except ... as msg", the bytes encoded/decoded
#    (ASCII).
import socket
import sys

HOST = ''   # Symbolic name meaning all available interfaces
PORT = 5000 # Arbitrary non-privileged port

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
print('Socket created')

try:
    s.bind((HOST, PORT))
except socket.error as msg:
    print('Bind failed. Error Code : ' + str(msg))
    sys.exit()

print('Socket bind complete')

s.listen(10)
print('Socket now listening')

#now keep talking with the client
while 1:
    #wait to accept a connection - blocking call
    conn, addr = s.accept()
    print('Connected with ' + addr[0] + ':' + str(addr[1]))

    data = conn.recv(1024).decode()
    reply = 'OK...' + data
    if not data:
        break

    conn.sendall(reply.encode())

conn.close()
s.close()
