/* Shared by the load helpers (hostile.c, slowpoke.c), which build as single files: a TCP
 * connection to the server on 127.0.0.1. */
#ifndef OOMKB_LOAD_DIAL_H
#define OOMKB_LOAD_DIAL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A blocking socket connected to 127.0.0.1:port, or -1. */
static int dial_loopback(unsigned short port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

#endif
