# Seed 002 (tcpclient.py), extracted from
# ../shared/seeds/002_0f8874b98ab9ed9d.txt.  Changes to run it:
#  - Python 3: raw_input -> input, input -> int(input()), print(), the
#    bytes encoded/decoded (ASCII).
# It loops until its input ends (EOFError): the test gives it a bounded
# input.
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
host = input("Server hostname or ip? ")
port = int(input("Server port? "))
sock.connect((host,port))
while True:
    data = input("message: ")
    sock.send(data.encode())
    print("response: ", sock.recv(1024).decode())
