/* Seed 000 (19.4.3 UDP Server), extracted from
 * ../shared/seeds/000_3a4d508eab2b8125.txt.  Changes to run it:
 *  - the spaces the text extraction lost inside string literals are back
 *    ("Received a datagram: " is 21 bytes, "Got your message\n" 17, the
 *    lengths the code writes);
 *  - <unistd.h> for write; fromlen is a socklen_t (gcc 12 refuses
 *    size_t * for recvfrom);
 *  - the line numbers and the long comments are gone.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>

void error(char *msg)
{
   perror(msg);
   exit(0);
}

int main(int argc, char *argv[])
{
  int sock, length, n;
  struct sockaddr_in server;
  struct sockaddr_in from;
  char buf[1024];
  socklen_t fromlen;

  if (argc < 2) {
    fprintf(stderr, "ERROR, no port provided\n");
    exit(0);
  }
  sock=socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0) error("Opening socket");
  length = sizeof(server);
  bzero(&server,length);
  server.sin_family=AF_INET;
  server.sin_addr.s_addr=INADDR_ANY;
  server.sin_port=htons(atoi(argv[1]));
  if (bind(sock,(struct sockaddr *)&server,length)<0)
     error("binding");
  fromlen = sizeof(struct sockaddr_in);
  while (1) {
     n = recvfrom(sock,buf,1024,0,(struct sockaddr *)&from,&fromlen);
     if (n < 0) error("recvfrom");
     write(1,"Received a datagram: ",21);
     write(1,buf,n);
     n = sendto(sock,"Got your message\n",17,
             0,(struct sockaddr *)&from,fromlen);
     if (n < 0) error("sendto");
  }
}
