/* Seed 000 (19.3.3 TCP Server), extracted from
 * ../shared/seeds/000_3a4d508eab2b8125.txt.  Changes to run it:
 *  - the spaces the text extraction lost inside string literals are back
 *    ("I got your message" is the 18 bytes the code writes);
 *  - <unistd.h> for read/write/close; clilen is a socklen_t (gcc 12
 *    refuses size_t * for accept);
 *  - the line numbers and the long comments are gone.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

void dostuff(int);

void error(char *msg)
{
   perror(msg);
   exit(1);
}

int main(int argc, char *argv[])
{
   int sockfd, newsockfd;
   int portno;
   int pid;
   struct sockaddr_in serv_addr, cli_addr;
   socklen_t clilen;

   if (argc < 2) {
      fprintf(stderr,"ERROR, no port provided\n");
      exit(1);
   }
   sockfd = socket(AF_INET, SOCK_STREAM, 0);
   if (sockfd < 0)
      error("ERROR opening socket");
   bzero((char *) &serv_addr, sizeof(serv_addr));
   portno = atoi(argv[1]);
   serv_addr.sin_family = AF_INET;
   serv_addr.sin_addr.s_addr = INADDR_ANY;
   serv_addr.sin_port = htons(portno);
   if (bind(sockfd, (struct sockaddr *) &serv_addr,
          sizeof(serv_addr)) < 0)
          error("ERROR on binding");
   listen(sockfd,5);
   clilen = sizeof(cli_addr);
   while (1) {
      newsockfd = accept(sockfd,
           (struct sockaddr *) &cli_addr, &clilen);
      if (newsockfd < 0)
         error("ERROR on accept");
      pid = fork();
      if (pid < 0)
         error("ERROR on fork");
      if (pid == 0) {
         close(sockfd);
         dostuff(newsockfd);
         exit(0);
      }
      else close(newsockfd);
   }
   return 0;
}

void dostuff (int sock)
{
  int n;
  char buffer[256];

  bzero(buffer,256);
  n = read(sock,buffer,255);
  if (n < 0) error("ERROR reading from socket");
  printf("Here is the message: %s\n",buffer);
  n = write(sock,"I got your message",18);
  if (n < 0) error("ERROR writing to socket");
}
