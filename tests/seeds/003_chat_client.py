# Seed 003 ("The chat client", telnet.py), extracted from
# ../shared/seeds/003_aaf4f30ad06cb5e1.txt.  Changes to run it:
#  - Python 3: print(), the bytes decoded/encoded (ASCII);
#  - an optional third argument, the local port to connect from, so that
#    the test knows the addresses the room announces (it normalizes them).
# It reads stdin forever: the test feeds it a line at a time and ends it.
import socket, select, string, sys

def prompt() :
    sys.stdout.write('<You> ')
    sys.stdout.flush()

#main function
if __name__ == "__main__":

    if(len(sys.argv) < 3) :
        print('Usage : python telnet.py hostname port')
        sys.exit()

    host = sys.argv[1]
    port = int(sys.argv[2])

    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    if len(sys.argv) > 3:
        s.bind(('127.0.0.1', int(sys.argv[3])))

    # connect to remote host
    try :
        s.connect((host, port))
    except :
        print('Unable to connect')
        sys.exit()

    print('Connected to remote host. Start sending messages')
    prompt()

    while 1:
        socket_list = [sys.stdin, s]

        # Get the list sockets which are readable
        read_sockets, write_sockets, error_sockets = select.select(socket_list , [], [])

        for sock in read_sockets:
            #incoming message from remote server
            if sock == s:
                data = sock.recv(4096)

                if not data :
                    print('\nDisconnected from chat server')
                    sys.exit()
                else :
                    #print data
                    sys.stdout.write(data.decode())
                    prompt()

            #user entered a message
            else :
                msg = sys.stdin.readline()
                s.send(msg.encode())
                prompt()
