/* Seed 000 (19.4.2 UDP Client), extracted from
 * ../shared/seeds/000_3a4d508eab2b8125.txt.  Changes to run it:
 *  - the spaces the text extraction lost inside string literals are back
 *    ("Got an ack: " is the 12 bytes the code writes);
 *  - <unistd.h> for write; length is a socklen_t (gcc 12 refuses
 *    size_t * for recvfrom);
 *  - the line numbers and the long comments are gone.
 * Run as: udpclient 127.0.0.1 PORT, the message on stdin.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

void error(char *msg)
{
   perror(msg);
   exit(0);
}

int main(int argc, char *argv[])
{
  int sock, n;
  struct sockaddr_in server, from;
  struct hostent *hp;
  char buffer[256];
  socklen_t length;

  if (argc != 3) { printf("Usage: server port\n");
               exit(1);
  }
  sock= socket(AF_INET, SOCK_DGRAM, 0);
  if (sock < 0) error("socket");
  server.sin_family = AF_INET;
  hp = gethostbyname(argv[1]);
  if (hp==0) error("Unknown host");
  bcopy((char *)hp->h_addr,
      (char *)&server.sin_addr,
      hp->h_length);
  server.sin_port = htons(atoi(argv[2]));
  length=sizeof(struct sockaddr_in);
  printf("Please enter the message: ");
  bzero(buffer,256);
  fgets(buffer,255,stdin);
  n=sendto(sock,buffer,
         strlen(buffer),0,(struct sockaddr *) &server,length);
  if (n < 0) error("Sendto");
  n = recvfrom(sock,buffer,256,0,(struct sockaddr *) &from, &length);
  if (n < 0) error("recvfrom");
  write(1,"Got an ack: ",12);
  write(1,buffer,n);
}
