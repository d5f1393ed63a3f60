# Seed 002 (Tcpserver.py), extracted from
# ../shared/seeds/002_0f8874b98ab9ed9d.txt.  Changes to run it:
#  - Python 3: print(), thread -> _thread, the bytes encoded/decoded
#    (ASCII), repr() of the bytes shown without the b prefix;
#  - clientsock.close() and the "closed connection" print are after the
#    loop: the slide's extraction put them inside it, where the handler
#    would close after the first message, which neither the comment
#    ("type 'close' ... to close connection from the server side") nor
#    the slide's transcript (two messages per client) shows.
from socket import *
import _thread as thread

BUFF = 1024
HOST = '127.0.0.1'# must be input parameter @TODO
PORT = 9999 # must be input parameter @TODO

def response(key):
    return key

def handler(clientsock,addr):
    while 1:
        data = clientsock.recv(BUFF).decode()
        if not data: break
        print(repr(addr) + ' recv:' + repr(data))
        clientsock.send(response(data).encode())
        print(repr(addr) + ' sent:' + repr(response(data)))
        if "close" == data.rstrip(): break # type 'close' on client console to close connection from the server side
    clientsock.close()
    print(addr, "- closed connection") #log on console

if __name__ == '__main__':
    ADDR = (HOST, PORT)
    serversock = socket(AF_INET, SOCK_STREAM)
    serversock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    serversock.bind(ADDR)
    serversock.listen(5)
    while 1:
        print('waiting for connection... listening on port', PORT)
        clientsock, addr = serversock.accept()
        print('...connected from:', addr)
        thread.start_new_thread(handler, (clientsock, addr))
