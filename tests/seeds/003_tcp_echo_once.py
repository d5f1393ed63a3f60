# Seed 003 (the sendall() example, prog8.py): accepts one connection,
# sends back what one recv() returned, closes, exits.  Extracted from
# ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run it:
#  - Python 3: print(), "except ... as msg".
import socket
import sys
 
HOST = ''   # Symbolic name meaning all available interfaces
PORT = 8888 # Arbitrary non-privileged port
 
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
 
#wait to accept a connection - blocking call
conn, addr = s.accept()
 
print('Connected with ' + addr[0] + ':' + str(addr[1]))
 
#now keep talking with the client
data = conn.recv(1024)
conn.sendall(data)
 
conn.close()
s.close()
