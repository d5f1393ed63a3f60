# Seed 003 ("Listening for incoming connections", prog7.py): accepts one
# connection, prints it, and exits (the connection closes with it).
# Extracted from ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run
# it:
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
 
#display client information
print('Connected with ' + addr[0] + ':' + str(addr[1]))
